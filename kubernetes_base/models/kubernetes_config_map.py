from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class KubernetesConfigMap(models.Model):
    """One entry of an app's configuration, or of a product's template.

    Template entries (``is_template``) belong to a product and are copied to
    every new app of that product; the other entries belong to one app and end
    up in its ConfigMap.
    """

    _name = "kubernetes.config.map"
    _description = "Kubernetes Configuration Entry"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    key_id = fields.Many2one(
        "kubernetes.config.key", required=True, ondelete="restrict"
    )
    value_id = fields.Many2one(
        "kubernetes.config.value",
        string="Value record",
        required=True,
        ondelete="restrict",
    )
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        trim=False,
        help="The text of the value; typing a new one stores it as a value record.",
    )
    app_id = fields.Many2one("kubernetes.app", ondelete="cascade", index=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", ondelete="cascade", index=True
    )
    is_template = fields.Boolean(compute="_compute_is_template", store=True)
    is_secret = fields.Boolean(related="key_id.is_secret")
    customer_editable = fields.Boolean(related="key_id.customer_editable")

    _sql_constraints = [
        (
            "key_unique_per_app",
            "unique(app_id, key_id)",
            "An app holds each configuration key once.",
        ),
        (
            "key_unique_per_product",
            "unique(product_tmpl_id, key_id)",
            "A product holds each configuration key once.",
        ),
        (
            "one_owner",
            "check(app_id IS NULL OR product_tmpl_id IS NULL)",
            "A configuration entry belongs to an app or to a product, not both.",
        ),
    ]

    @api.depends("product_tmpl_id")
    def _compute_is_template(self):
        for entry in self:
            entry.is_template = bool(entry.product_tmpl_id)

    @api.depends("value_id.value")
    def _compute_value(self):
        for entry in self:
            entry.value = entry.value_id.value

    def _inverse_value(self):
        values = self.env["kubernetes.config.value"]
        for entry in self:
            entry.value_id = values._get_or_create(entry.value or "")

    @api.model_create_multi
    def create(self, vals_list):
        values = self.env["kubernetes.config.value"]
        for vals in vals_list:
            if "value" in vals and not vals.get("value_id"):
                vals["value_id"] = values._get_or_create(vals.pop("value") or "").id
        return super().create(vals_list)

    @api.constrains("app_id", "product_tmpl_id")
    def _check_owner(self):
        for entry in self:
            if not entry.app_id and not entry.product_tmpl_id:
                raise ValidationError(
                    _("A configuration entry must belong to an app or a product.")
                )

    def _prepare_app_copy_vals(self):
        """Return the values of an app entry copied from this template entry."""
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "key_id": self.key_id.id,
            "value_id": self.value_id.id,
        }
