from odoo import fields, models


class KubernetesProductManifest(models.Model):
    """A manifest applied for a product, at its place in the apply order."""

    _name = "kubernetes.product.manifest"
    _description = "Product Manifest"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        ondelete="cascade",
        index=True,
    )
    manifest_id = fields.Many2one(
        "kubernetes.manifest",
        required=True,
        ondelete="restrict",
        index=True,
    )

    _sql_constraints = [
        (
            "manifest_unique",
            "unique(product_tmpl_id, manifest_id)",
            "A product lists each manifest once.",
        )
    ]
