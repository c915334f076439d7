import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

KEY_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,62}$")


class KubernetesConfigKey(models.Model):
    """The name of one configuration entry, passed to the app's environment."""

    _name = "kubernetes.config.key"
    _description = "Kubernetes Configuration Key"
    _rec_name = "key"
    _order = "key"

    key = fields.Char(required=True)
    description = fields.Char(translate=True)
    is_secret = fields.Boolean(
        string="Secret",
        help="Mask the value wherever a customer sees it.",
    )
    customer_editable = fields.Boolean(
        help="Customers may change the value of this entry from the portal.",
    )

    _sql_constraints = [("key_unique", "unique(key)", "A configuration key is unique.")]

    @api.constrains("key")
    def _check_key(self):
        for config_key in self:
            if not KEY_PATTERN.match(config_key.key or ""):
                raise ValidationError(
                    _(
                        "The configuration key %(key)s is not valid: use upper-case "
                        "letters, digits and underscores, starting with a letter, "
                        "at most 63 characters.",
                        key=config_key.key,
                    )
                )
