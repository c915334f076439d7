import socket

from odoo.tests import tagged

from .common import TOKEN, BackendCase


@tagged("post_install", "-at_install")
class TestDeployerApi(BackendCase):
    """Choosing the official client on a company deploys its apps through it."""

    def test_backend_choice_selects_the_component(self):
        with self.company._kubernetes_deployer() as deployer:
            self.assertEqual(deployer._name, "kubernetes.deployer.api")

        self.company.kubernetes_backend = "dry_run"

        with self.company._kubernetes_deployer() as deployer:
            self.assertEqual(deployer._name, "kubernetes.deployer.dry_run")

    def test_app_deploys_to_running(self):
        app = self._create_app("shop-int")

        app.action_deploy()
        self.assertEqual(app.state, "queued")
        self._process(app)
        self.assertEqual(app.state, "deploying")
        self._process(app)

        self.assertEqual(app.state, "running", app.last_error)
        namespace = self.namespace.name
        deployment = self.kube.get("apps/v1", "Deployment", namespace, "shop-int")
        self.assertEqual(deployment["spec"]["replicas"], 1)
        self.assertTrue(
            self.kube.get("v1", "Secret", namespace, "shop-int-credentials")
        )
        tokens = {r.headers.get("Authorization") for r in self.kube.requests()}
        self.assertEqual(tokens, {f"Bearer {TOKEN}"})

    def test_suspend_resume_and_delete(self):
        app = self._create_app("shop-int")
        app.action_deploy()
        self._process(app, runs=2)

        app.action_suspend()
        self._process(app)
        self.assertEqual(app.state, "suspended")
        namespace = self.namespace.name
        deployment = self.kube.get("apps/v1", "Deployment", namespace, "shop-int")
        self.assertEqual(deployment["spec"]["replicas"], 0)

        app.action_resume()
        self._process(app, runs=2)
        self.assertEqual(app.state, "running", app.last_error)

        app.action_delete()
        self._process(app)
        self.assertEqual(app.state, "deleted")
        self.assertEqual(self.kube.names("apps/v1", "Deployment", namespace), [])

    def test_connection_test_names_the_version(self):
        action = self.company.action_kubernetes_test_connection()

        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("v1.33", action["params"]["message"])

    def test_unreachable_cluster_leaves_the_app_retrying(self):
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        self.company.kubernetes_api_url = url
        app = self._create_app("shop-int")
        app.action_deploy()

        with self.assertLogs("odoo.addons.kubernetes_base", "WARNING"):
            self._process(app)

        self.assertEqual(app.state, "queued")
        self.assertEqual(app.pending_action, "deploy")
        self.assertEqual(app.attempt_count, 1)
        self.assertIn("did not answer", app.last_error)
