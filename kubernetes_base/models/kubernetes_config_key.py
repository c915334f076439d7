import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

KEY_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,62}$")
#: Parts of a key name that mark its value as secret wherever they appear.
SECRET_KEY_FRAGMENTS = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "PRIVATE",
)
#: Words of a key name (between underscores) that mark its value as secret;
#: too short to be looked for inside other words (``KEYCLOAK_URL``).
SECRET_KEY_WORDS = frozenset({"KEY", "KEYS", "APIKEY", "PWD", "PASS"})


def looks_secret(key):
    """Return True when the key name ``key`` looks like it holds a secret,
    such as ``SMTP_PASSWORD``, ``API_TOKEN`` or ``API_KEY``."""
    key = (key or "").upper()
    if any(fragment in key for fragment in SECRET_KEY_FRAGMENTS):
        return True
    return bool(SECRET_KEY_WORDS.intersection(key.split("_")))


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
        help="The value goes to the app's Secret rather than its ConfigMap and "
        "is masked wherever a customer sees it. New keys whose name looks "
        "secret (PASSWORD, TOKEN, API_KEY, ...) are secret unless told otherwise.",
    )
    customer_editable = fields.Boolean(
        help="Customers may change the value of this entry from the portal.",
    )

    _sql_constraints = [("key_unique", "unique(key)", "A configuration key is unique.")]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "is_secret" not in vals:
                vals["is_secret"] = looks_secret(vals.get("key"))
        return super().create(vals_list)

    @api.onchange("key")
    def _onchange_key(self):
        # Only while the key is being created: the flag of a stored key is
        # the operator's decision.
        if not self._origin:
            self.is_secret = looks_secret(self.key)

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
