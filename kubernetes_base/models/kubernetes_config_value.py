from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

MAX_VALUE_LENGTH = 4096


class KubernetesConfigValue(models.Model):
    """A configuration value, shared by every entry that holds the same text."""

    _name = "kubernetes.config.value"
    _description = "Kubernetes Configuration Value"
    _rec_name = "value"
    _order = "value"

    value = fields.Char(required=True, trim=False)

    _sql_constraints = [
        ("value_unique", "unique(value)", "A configuration value is stored once.")
    ]

    @api.constrains("value")
    def _check_value(self):
        for config_value in self:
            self._check_value_text(config_value.value)

    @api.model
    def _check_value_text(self, value):
        """Raise a ValidationError when ``value`` cannot be stored."""
        if len(value or "") > MAX_VALUE_LENGTH:
            raise ValidationError(
                _(
                    "A configuration value holds at most %(max)s characters.",
                    max=MAX_VALUE_LENGTH,
                )
            )
        if "\x00" in (value or ""):
            raise ValidationError(
                _("A configuration value cannot contain a null character.")
            )

    @api.model
    def _get_or_create(self, value):
        """Return the record holding exactly ``value``, creating it if needed."""
        # Checked before the search: PostgreSQL refuses a null character
        # with an error of its own.
        self._check_value_text(value)
        found = self.search([("value", "=", value)], limit=1)
        return found or self.create({"value": value})
