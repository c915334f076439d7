import contextlib
import urllib.parse

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import cluster, names


class ResCompany(models.Model):
    """A company holds the connection to its Kubernetes cluster.

    It is also the ``component`` collection of the deployers: the company's
    ``kubernetes_backend`` decides which concrete deployer a lookup returns.
    """

    _name = "res.company"
    _inherit = ["res.company", "collection.base"]

    kubernetes_backend = fields.Selection(
        [("dry_run", "Dry run (no cluster)")],
        default="dry_run",
        required=True,
        help="How apps of this company reach the cluster. Dry run renders and "
        "records the objects without any network call.",
    )
    kubernetes_api_url = fields.Char(
        string="Kubernetes API URL", help="For example https://k8s.example.com:6443"
    )
    kubernetes_api_key = fields.Char(
        string="Kubernetes API Key",
        groups="base.group_system",
        help="Bearer token of the service account Odoo uses.",
    )
    kubernetes_ca_cert = fields.Text(
        string="Kubernetes CA Certificate",
        help="PEM certificate of the cluster's authority; empty means the "
        "system's trusted authorities.",
    )
    kubernetes_verify_tls = fields.Boolean(
        string="Verify TLS Certificate", default=True
    )
    kubernetes_timeout = fields.Integer(
        default=10, help="Seconds allowed for each call."
    )
    kubernetes_domain = fields.Char(
        help="Apps are reached at <app name>.<domain>.",
    )
    kubernetes_tls_issuer = fields.Char(
        string="TLS Certificate Issuer",
        default="letsencrypt",
        help="Name of the cert-manager cluster issuer the Ingress asks.",
    )

    @api.constrains("kubernetes_api_url")
    def _check_kubernetes_api_url(self):
        for company in self.filtered("kubernetes_api_url"):
            parsed = urllib.parse.urlparse(company.kubernetes_api_url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValidationError(
                    _(
                        "The Kubernetes API URL %(url)s is not valid: use an "
                        "address such as https://k8s.example.com:6443.",
                        url=company.kubernetes_api_url,
                    )
                )

    @api.constrains("kubernetes_api_key")
    def _check_kubernetes_api_key(self):
        for company in self.sudo().filtered("kubernetes_api_key"):
            if cluster.token_problem(company.kubernetes_api_key):
                raise ValidationError(
                    _(
                        "The Kubernetes API key contains spaces or other characters "
                        "a token cannot hold: enter the token alone."
                    )
                )

    @api.constrains("kubernetes_ca_cert")
    def _check_kubernetes_ca_cert(self):
        for company in self.filtered("kubernetes_ca_cert"):
            problem = cluster.ca_certificate_problem(company.kubernetes_ca_cert)
            if problem:
                raise ValidationError(
                    _(
                        "The Kubernetes CA certificate is not a valid PEM "
                        "certificate (-----BEGIN CERTIFICATE----- ...): %(error)s",
                        error=problem,
                    )
                )

    @api.constrains("kubernetes_domain")
    def _check_kubernetes_domain(self):
        for company in self.filtered("kubernetes_domain"):
            if names.hostname_problem(company.kubernetes_domain):
                raise ValidationError(
                    _(
                        "The domain %(domain)s is not a valid DNS name.",
                        domain=company.kubernetes_domain,
                    )
                )

    @api.constrains("kubernetes_timeout")
    def _check_kubernetes_timeout(self):
        for company in self:
            if not 1 <= company.kubernetes_timeout <= 300:
                raise ValidationError(
                    _("The Kubernetes timeout is between 1 and 300 seconds.")
                )

    @contextlib.contextmanager
    def _kubernetes_deployer(self):
        """Yield the deployer component selected by the company's backend."""
        self.ensure_one()
        with self.work_on("kubernetes.app") as work:
            yield work.component(usage="kubernetes.deployer")

    def action_kubernetes_test_connection(self):
        """Ask the cluster for its version and say whether it answered.

        Returns a notification action; the answer is bounded by the company's
        timeout and is one request.
        """
        self.ensure_one()
        with self.sudo()._kubernetes_deployer() as deployer:
            success, message = deployer.test_connection()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if success else "danger",
                "title": _("Connection works") if success else _("Connection failed"),
                "message": message,
                "sticky": not success,
            },
        }
