import contextlib
import logging

from odoo import _

from odoo.addons.component.core import AbstractComponent

from ..lib import objects, render
from ..lib.cluster import AppOperations, ClusterSettings
from ..lib.exceptions import ConfigurationError, KubernetesError

_logger = logging.getLogger(__name__)


class KubernetesClusterDeployer(AbstractComponent):
    """A deployer that works through a :class:`..lib.cluster.Transport`.

    The app-level rules (apply order, credentials, status, suspend, delete)
    live in :class:`..lib.cluster.AppOperations`; a concrete backend only says
    how to build its transport in :meth:`_build_transport`.
    """

    _name = "kubernetes.deployer.cluster"
    _inherit = "kubernetes.deployer"

    def _build_transport(self, settings):
        """Return a :class:`..lib.cluster.Transport` for ``settings``."""
        raise NotImplementedError

    def _get_settings(self):
        """Return the company's :class:`..lib.cluster.ClusterSettings`.

        :class:`..lib.cluster.ClusterSettings` strips the URL and the token
        and refuses a token no HTTP header carries; its
        :class:`..lib.exceptions.ConfigurationError` comes back here in words
        naming the company, as does a missing URL.
        """
        company = self.collection.sudo()
        try:
            settings = ClusterSettings(
                url=company.kubernetes_api_url or "",
                token=(company.kubernetes_api_key or "")
                if self._needs_connection
                else "",
                ca_cert=company.kubernetes_ca_cert or "",
                verify_tls=company.kubernetes_verify_tls,
                timeout=float(company.kubernetes_timeout or 10),
            )
        except ConfigurationError as err:
            raise ConfigurationError(
                _(
                    "The Kubernetes API key of company %(company)s contains spaces "
                    "or other characters a token cannot hold: enter the token "
                    "alone.",
                    company=company.name,
                )
            ) from err
        if self._needs_connection and not settings.url:
            raise ConfigurationError(
                _("Set the Kubernetes API URL of company %s.", company.name)
            )
        return settings

    @contextlib.contextmanager
    def _operations(self):
        """Yield :class:`..lib.cluster.AppOperations` on a fresh transport,
        closed afterwards: nothing outlives the call (threads, forks)."""
        operations = AppOperations(self._build_transport(self._get_settings()))
        try:
            yield operations
        finally:
            operations.transport.close()

    def _credentials_secret_name(self, app):
        return f"{app.name}-credentials"

    def _render(self, app, credentials):
        values = app._prepare_render_values(credentials)
        labels = render.app_labels(app.name)
        rendered = render.render_objects(app._get_manifests(), values)
        if app.restarted_at:
            render.stamp_restart(rendered, app.restarted_at)
        secret = objects.credentials_secret(
            self._credentials_secret_name(app),
            app.namespace_id.name,
            labels,
            credentials,
        )
        # The credentials Secret follows the Namespace, before anything that
        # could reference it.
        position = 1 if rendered and rendered[0]["kind"] == "Namespace" else 0
        rendered.insert(position, secret)
        return rendered

    def apply(self, app, new_credentials=False):
        """Render and apply the app's objects; return the rendered objects.

        The credentials come from the app's credentials Secret; with
        ``new_credentials`` the admin password is renewed and the database
        password kept (PostgreSQL only reads it when it creates its data).
        """
        with self._operations() as operations:
            credentials = operations.credentials(
                app.namespace_id.name,
                self._credentials_secret_name(app),
                rotate=new_credentials,
            )
            rendered = self._render(app, credentials)
            operations.apply(rendered)
            return rendered

    def status(self, app):
        with self._operations() as operations:
            return operations.status(app.namespace_id.name, render.app_labels(app.name))

    def suspend(self, app):
        with self._operations() as operations:
            operations.suspend(app.namespace_id.name, render.app_labels(app.name))

    def resume(self, app):
        with self._operations() as operations:
            operations.resume(app.namespace_id.name, render.app_labels(app.name))

    def delete(self, app):
        with self._operations() as operations:
            return operations.delete(app.namespace_id.name, render.app_labels(app.name))

    def read_credentials(self, app):
        with self._operations() as operations:
            return operations.read_secret(
                app.namespace_id.name, self._credentials_secret_name(app)
            )

    def test_connection(self):
        try:
            with self._operations() as operations:
                return True, operations.test_connection()
        except KubernetesError as err:
            _logger.info(
                "connection test of company %s failed: %s", self.collection.name, err
            )
            return False, str(err)
