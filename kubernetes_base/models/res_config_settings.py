from odoo import api, fields, models

from odoo.addons.component.exception import NoComponentError


class ResConfigSettings(models.TransientModel):
    """Kubernetes connection settings of the current company."""

    _inherit = "res.config.settings"

    kubernetes_backend = fields.Selection(
        related="company_id.kubernetes_backend", readonly=False
    )
    kubernetes_needs_connection = fields.Boolean(
        compute="_compute_kubernetes_needs_connection",
        help="Whether the chosen backend talks to a cluster, and so needs its "
        "address and token.",
    )
    kubernetes_api_url = fields.Char(
        related="company_id.kubernetes_api_url", readonly=False
    )
    kubernetes_api_key = fields.Char(
        related="company_id.kubernetes_api_key",
        readonly=False,
        groups="base.group_system",
    )
    kubernetes_ca_cert = fields.Text(
        related="company_id.kubernetes_ca_cert", readonly=False
    )
    kubernetes_verify_tls = fields.Boolean(
        related="company_id.kubernetes_verify_tls", readonly=False
    )
    kubernetes_timeout = fields.Integer(
        related="company_id.kubernetes_timeout", readonly=False
    )
    kubernetes_domain = fields.Char(
        related="company_id.kubernetes_domain", readonly=False
    )
    kubernetes_tls_issuer = fields.Char(
        related="company_id.kubernetes_tls_issuer", readonly=False
    )

    @api.depends("kubernetes_backend", "company_id")
    def _compute_kubernetes_needs_connection(self):
        """Ask the deployer of the chosen backend, as the form shows it."""
        for settings in self:
            with settings.company_id.work_on("kubernetes.app") as work:
                try:
                    deployer = work.component(
                        usage="kubernetes.deployer",
                        backend_type=settings.kubernetes_backend,
                    )
                except NoComponentError:
                    # A backend without its component: show every field.
                    deployer = None
            settings.kubernetes_needs_connection = (
                deployer is None or deployer._needs_connection
            )

    def action_kubernetes_test_connection(self):
        """Save the settings, then test the company's connection."""
        self.execute()
        return self.company_id.action_kubernetes_test_connection()
