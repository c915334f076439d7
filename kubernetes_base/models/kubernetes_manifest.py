import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import file_open

from ..lib import loader, render
from ..lib.exceptions import KubernetesError

_logger = logging.getLogger(__name__)


class KubernetesManifest(models.Model):
    """A template of Kubernetes objects, loaded from a URL and kept on the record.

    The content is fetched once (on creation and by "Reload") and stored, so a
    deploy never depends on the URL being reachable. The URL is an ``http`` or
    ``https`` address, or the path of a file shipped in an addon, such as
    ``kubernetes_base/data/manifests/deployment.yaml.j2``.
    """

    _name = "kubernetes.manifest"
    _description = "Kubernetes Manifest"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    url = fields.Char(
        string="URL",
        required=True,
        tracking=True,
        help="http(s) address, or the path of a file shipped in an addon "
        "(addon_name/path/file.yaml).",
    )
    content = fields.Text(help="The template, as loaded from the URL.")
    loaded_date = fields.Datetime(string="Loaded on", readonly=True)
    product_ids = fields.One2many(
        "kubernetes.product.manifest", "manifest_id", string="Products"
    )
    product_count = fields.Integer(compute="_compute_product_count")
    company_id = fields.Many2one("res.company", index=True)
    active = fields.Boolean(default=True)

    @api.depends("product_ids")
    def _compute_product_count(self):
        for manifest in self:
            manifest.product_count = len(manifest.product_ids)

    @api.constrains("url")
    def _check_url(self):
        for manifest in self:
            try:
                loader.check_url(manifest.url)
            except KubernetesError as err:
                raise ValidationError(
                    _(
                        "The URL of manifest %(name)s is not valid: %(reason)s",
                        name=manifest.name,
                        reason=err,
                    )
                ) from err

    @api.constrains("content")
    def _check_content(self):
        for manifest in self.filtered("content"):
            try:
                render.validate_template(manifest.content, manifest.name)
            except KubernetesError as err:
                raise ValidationError(
                    _(
                        "The manifest %(name)s is not a valid template: %(reason)s",
                        name=manifest.name,
                        reason=err,
                    )
                ) from err

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("content") and vals.get("url"):
                vals.update(self._prepare_loaded_vals(vals["url"], vals.get("name")))
        return super().create(vals_list)

    def action_reload(self):
        """Fetch every manifest's URL again and store the content.

        Returns a notification action naming the reloaded manifests.
        """
        for manifest in self:
            manifest.write(self._prepare_loaded_vals(manifest.url, manifest.name))
            manifest.message_post(body=_("Content reloaded from %s.", manifest.url))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Reloaded: %s", ", ".join(self.mapped("name"))),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _prepare_loaded_vals(self, url, name=None):
        """Load ``url`` and return the values to store: content and load date."""
        try:
            content = loader.load(url, lambda path: file_open(path, "rb"))
        except KubernetesError as err:
            raise UserError(
                _(
                    "The manifest %(name)s could not be loaded from %(url)s: "
                    "%(reason)s",
                    name=name or url,
                    url=url,
                    reason=err,
                )
            ) from err
        _logger.info("manifest %s loaded from %s (%d bytes)", name, url, len(content))
        return {"content": content, "loaded_date": fields.Datetime.now()}
