from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Kubernetes connection settings of the current company."""

    _inherit = "res.config.settings"

    kubernetes_backend = fields.Selection(
        related="company_id.kubernetes_backend", readonly=False
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

    def action_kubernetes_test_connection(self):
        """Save the settings, then test the company's connection."""
        self.execute()
        return self.company_id.action_kubernetes_test_connection()
