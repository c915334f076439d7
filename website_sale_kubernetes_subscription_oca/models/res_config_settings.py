from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The company's rule for unpaid subscriptions, on the Kubernetes
    settings page."""

    _inherit = "res.config.settings"

    kubernetes_suspend_unpaid = fields.Boolean(
        related="company_id.kubernetes_suspend_unpaid", readonly=False
    )
    kubernetes_unpaid_grace_days = fields.Integer(
        related="company_id.kubernetes_unpaid_grace_days", readonly=False
    )
