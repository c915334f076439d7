from odoo import fields, models


class ResCompany(models.Model):
    """Offer the official Kubernetes client as a company's deploy backend."""

    _inherit = "res.company"

    kubernetes_backend = fields.Selection(
        selection_add=[("api", "Kubernetes API client")],
        ondelete={"api": "set default"},
    )
