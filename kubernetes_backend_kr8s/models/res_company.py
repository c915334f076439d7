from odoo import fields, models


class ResCompany(models.Model):
    """Offer kr8s as a company's deploy backend."""

    _inherit = "res.company"

    kubernetes_backend = fields.Selection(
        selection_add=[("kr8s", "kr8s")],
        ondelete={"kr8s": "set default"},
    )
