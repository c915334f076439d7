from unittest import mock

from odoo import fields
from odoo.tests.common import tagged

from odoo.addons.kubernetes_base.lib.cluster import AppOperations
from odoo.addons.kubernetes_base.lib.exceptions import (
    ClusterUnavailableError,
    CredentialsError,
)
from odoo.addons.kubernetes_base.models import kubernetes_app

from .common import KubernetesPortalCase

#: A cluster's answer naming what customers must not read.
CLUSTER_TEXT = (
    "Forbidden: system:serviceaccount:ops:deployer cannot patch deployments "
    "at https://k8s.internal.example:6443"
)


@tagged("post_install", "-at_install")
class TestPortalStatus(KubernetesPortalCase):
    """The status of an app in words, as the provisioning cron leaves it on
    the dry-run backend: the reason of a suspend, a generic sentence for a
    failure or a retry, never the cluster's own text."""

    def _process(self, app, runs=1):
        """Run the provisioning cron ``runs`` times, the app's work being due."""
        for _run in range(runs):
            if app.pending_action:
                app.next_attempt_date = fields.Datetime.now()
            self.env["kubernetes.app"]._cron_process()

    def _deploy(self, app):
        """Deploy ``app`` on the dry-run backend until it runs."""
        app.action_redeploy()
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")

    def _status_of(self, app):
        """Return the page of ``app`` as customer A sees it."""
        self._login(self.user_a)
        response = self._get(app.access_url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_suspended_with_reason(self):
        self._deploy(self.app_a)
        self.app_a._queue_suspend("Your subscription was closed.")
        self._process(self.app_a)
        self.assertEqual(self.app_a.state, "suspended")
        page = self._status_of(self.app_a)
        self.assertIn("Suspended", page)
        self.assertIn("Your subscription was closed.", page)
        self.assertNotIn(self.app_a.status_message, page)

        # The reason is gone once the app runs again.
        self.app_a.action_resume()
        self._process(self.app_a, runs=2)
        self.assertEqual(self.app_a.state, "running")
        self.assertNotIn("Your subscription was closed.", self._status_of(self.app_a))

    def test_failed_shows_a_generic_sentence(self):
        self.app_a.action_redeploy()
        with (
            mock.patch.object(
                AppOperations, "apply", side_effect=CredentialsError(CLUSTER_TEXT)
            ),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(self.app_a)
        self.assertEqual(self.app_a.state, "failed")
        self.assertIn("serviceaccount", self.app_a.last_error)
        page = self._status_of(self.app_a)
        self.assertIn("Failed", page)
        self.assertIn(
            "The last change could not be completed; our team has the details.", page
        )
        self.assertNotIn("serviceaccount", page)
        self.assertNotIn("k8s.internal.example", page)

    def test_retry_shows_a_generic_sentence(self):
        self.app_a.action_redeploy()
        with (
            mock.patch.object(
                AppOperations,
                "apply",
                side_effect=ClusterUnavailableError(CLUSTER_TEXT),
            ),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(self.app_a)
        self.assertEqual(self.app_a.pending_action, "deploy")
        self.assertEqual(self.app_a.attempt_count, 1)
        page = self._status_of(self.app_a)
        self.assertIn(
            "A temporary problem with the cluster; it is retried automatically.", page
        )
        self.assertNotIn("serviceaccount", page)
        self.assertNotIn("k8s.internal.example", page)

        # The next attempt succeeds: no sentence any more.
        self._process(self.app_a, runs=2)
        self.assertEqual(self.app_a.state, "running")
        self.assertNotIn(
            'id="kubernetes_app_status_reason"', self._status_of(self.app_a)
        )
