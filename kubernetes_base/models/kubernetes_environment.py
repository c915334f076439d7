import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

SHORT_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,7}$")


class KubernetesEnvironment(models.Model):
    """A stage an app runs in (production, integration, ...)."""

    _name = "kubernetes.environment"
    _description = "Kubernetes Environment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    short = fields.Char(
        required=True,
        help="Lower-case letters and digits, at most 8: used in namespace names "
        "and passed to manifests as the app's environment.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("short_unique", "unique(short)", "The short name of an environment is unique.")
    ]

    @api.constrains("short")
    def _check_short(self):
        for environment in self:
            if not SHORT_PATTERN.match(environment.short or ""):
                raise ValidationError(
                    _(
                        "The short name %(short)s is not valid: use one lower-case "
                        "letter followed by at most 7 lower-case letters or digits.",
                        short=environment.short,
                    )
                )

    @api.depends("name", "short")
    def _compute_display_name(self):
        for environment in self:
            environment.display_name = f"{environment.name} ({environment.short})"
