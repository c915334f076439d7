from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    """A product deployable as a Kubernetes app."""

    _inherit = "product.template"

    manifest_ids = fields.One2many(
        "kubernetes.product.manifest",
        "product_tmpl_id",
        string="Manifests",
        help="Applied in this order when an app of the product is deployed.",
    )
    config_map_template_ids = fields.One2many(
        "kubernetes.config.map",
        "product_tmpl_id",
        string="Template Configuration",
        help="Copied to every new app of the product.",
    )
    environment_ids = fields.Many2many(
        "kubernetes.environment",
        string="Allowed Environments",
        help="Environments an app of this product may run in; the first is "
        "the default.",
    )
    is_kubernetes_app = fields.Boolean(
        compute="_compute_is_kubernetes_app",
        store=True,
        help="The product lists manifests, so selling it deploys an app.",
    )
    kubernetes_app_count = fields.Integer(compute="_compute_kubernetes_app_count")
    kubernetes_config_editable = fields.Boolean(
        compute="_compute_kubernetes_config_editable",
        help="The user may change the template configuration: Kubernetes "
        "managers may, as it reaches every new app of the product.",
    )

    @api.depends("manifest_ids")
    def _compute_is_kubernetes_app(self):
        for template in self:
            template.is_kubernetes_app = bool(template.manifest_ids)

    @api.depends_context("uid")
    def _compute_kubernetes_config_editable(self):
        editable = self.env["kubernetes.config.map"]._can_edit_templates()
        for template in self:
            template.kubernetes_config_editable = editable

    def _compute_kubernetes_app_count(self):
        groups = self.env["kubernetes.app"]._read_group(
            [("product_id.product_tmpl_id", "in", self.ids)],
            ["product_id"],
            ["__count"],
        )
        counts = {}
        for product, count in groups:
            key = product.product_tmpl_id.id
            counts[key] = counts.get(key, 0) + count
        for template in self:
            template.kubernetes_app_count = counts.get(template.id, 0)

    @api.constrains("manifest_ids", "environment_ids")
    def _check_kubernetes_environments(self):
        for template in self:
            if template.manifest_ids and not template.environment_ids:
                raise ValidationError(
                    _(
                        "The product %(name)s lists manifests: choose at least one "
                        "allowed environment on its Kubernetes tab.",
                        name=template.display_name,
                    )
                )

    def unlink(self):
        # The template entries go with the product by a database cascade,
        # their values through the ORM.
        values = self.config_map_template_ids.value_id
        result = super().unlink()
        values._unlink_orphans()
        return result

    def _get_default_kubernetes_environment(self):
        """Return the environment a new app of this product runs in."""
        self.ensure_one()
        return self.environment_ids[:1]

    def action_view_kubernetes_apps(self):
        """Open the apps of this product."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kubernetes_base.kubernetes_app_action"
        )
        action["domain"] = [("product_id.product_tmpl_id", "=", self.id)]
        action["context"] = {"default_product_id": self.product_variant_id.id}
        return action
