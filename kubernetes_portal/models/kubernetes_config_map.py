from odoo import _, models
from odoo.exceptions import UserError

#: What the customer sees instead of the value of a secret entry.
SECRET_MASK = "••••••••"


class KubernetesConfigMap(models.Model):
    """Configuration entry, as the customer portal shows and changes it."""

    _inherit = "kubernetes.config.map"

    def _portal_get_display_value(self):
        """Return the value shown to the customer, masked for secret keys."""
        self.ensure_one()
        return SECRET_MASK if self.is_secret else self.value or ""

    def _portal_check_editable(self):
        """Raise a :class:`UserError` unless customers may change the entry."""
        for entry in self:
            if entry.is_template or not entry.customer_editable:
                raise UserError(
                    _(
                        "The configuration entry %(key)s cannot be changed from "
                        "the portal.",
                        key=entry.key_id.key,
                    )
                )

    def _portal_check_value(self, text):
        """Raise the backend's :class:`ValidationError` if ``text`` is refused.

        The rules of ``kubernetes.config.value`` are run on an unsaved record
        first, because some values (a null character) would otherwise reach
        the database before the constraint and fail there without a message.
        """
        self.ensure_one()
        self.env["kubernetes.config.value"].new({"value": text})._check_value()
