from odoo import api, fields, models


class ProductTemplate(models.Model):
    """An app product: subscribable and deployable, sold in the shop."""

    _inherit = "product.template"

    is_kubernetes_app_product = fields.Boolean(
        string="Is App Product",
        compute="_compute_is_kubernetes_app_product",
        help="Subscribable and listing manifests: buying it starts a subscription "
        "and deploys one app per order line.",
    )

    @api.depends("subscribable", "is_kubernetes_app")
    def _compute_is_kubernetes_app_product(self):
        for template in self:
            template.is_kubernetes_app_product = (
                template.subscribable and template.is_kubernetes_app
            )
