import importlib.util
import pathlib
import socket
import sys
import unittest

from odoo.exceptions import ValidationError

from ..lib import cluster
from .common import KubernetesCase

#: The bearer token the test company sends.
TOKEN = "odoo-test-token-5b1e"


def load_kube_mock():
    """Return the repository's ``tests/kube_mock.py`` module (the mock
    Kubernetes API), or skip when the addon runs outside the repository."""
    if "kube_mock" in sys.modules:
        return sys.modules["kube_mock"]
    path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "kube_mock.py"
    if not path.exists():
        raise unittest.SkipTest("The repository's mock Kubernetes API is not here.")
    spec = importlib.util.spec_from_file_location("kube_mock", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kube_mock"] = module
    spec.loader.exec_module(module)
    return module


class BackendCase(KubernetesCase):
    """The test company on a real backend, pointed at a mock Kubernetes API
    served from a thread for the whole class and emptied for each test.

    Shared by the backend addons: each subclasses :class:`BackendDeployerTests`
    and this class, and names its backend and component.
    """

    #: The company's ``kubernetes_backend`` value under test.
    backend = None
    #: The name of the deployer component the backend registers.
    component_name = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kube = load_kube_mock().KubeMock()
        cls.kube.start()
        cls.addClassCleanup(cls.kube.stop)
        cls.company.write(
            {
                "kubernetes_backend": cls.backend,
                "kubernetes_api_url": cls.kube.url,
                "kubernetes_api_key": TOKEN,
                "kubernetes_timeout": 10,
            }
        )

    def setUp(self):
        super().setUp()
        self.kube.reset()


class BackendDeployerTests:
    """The Odoo-side proof of a backend, mixed into a :class:`BackendCase`:
    the company's choice selects the component, and apps deploy, suspend,
    resume and delete through it against the mock API."""

    #: Odoo's loader only collects test methods a class defines itself,
    #: unless told that inherited ones count.
    allow_inherited_tests_method = True

    def test_backend_choice_selects_the_component(self):
        with self.company._kubernetes_deployer() as deployer:
            self.assertEqual(deployer._name, self.component_name)

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

    def _credentials(self, app):
        with self.company._kubernetes_deployer() as deployer:
            return deployer.read_credentials(app)

    def test_rotation_waiting_for_a_resume_is_deployed_by_it(self):
        app = self._create_app("shop-int")
        app.action_deploy()
        self._process(app, runs=2)
        before = self._credentials(app)

        app.action_rotate_credentials()
        app._queue_suspend()
        self._process(app)
        self.assertEqual(app.state, "suspended")
        app.action_resume()
        self._process(app, runs=2)

        self.assertEqual(app.state, "running", app.last_error)
        self.assertFalse(app.rotate_credentials)
        namespace = self.namespace.name
        for kind, name in (("Deployment", "shop-int"), ("StatefulSet", "shop-int-db")):
            workload = self.kube.get("apps/v1", kind, namespace, name)
            self.assertEqual(workload["spec"]["replicas"], 1, kind)
            annotations = workload["metadata"].get("annotations") or {}
            self.assertNotIn(cluster.ANNOTATION_REPLICAS, annotations, kind)
        after = self._credentials(app)
        self.assertEqual(after["db_password"], before["db_password"])
        self.assertNotEqual(after["admin_password"], before["admin_password"])

    def test_whitespace_around_the_token_is_not_sent(self):
        self.company.kubernetes_api_key = f"  {TOKEN}\n"

        action = self.company.action_kubernetes_test_connection()

        self.assertEqual(action["params"]["type"], "success")
        tokens = {r.headers.get("Authorization") for r in self.kube.requests()}
        self.assertEqual(tokens, {f"Bearer {TOKEN}"})

    def test_company_refuses_a_token_with_spaces_inside(self):
        for token in ("two words", "line\nbreak", "tab\there"):
            with self.assertRaisesRegex(ValidationError, "API key"):
                self.company.kubernetes_api_key = token

    def test_connection_test_reports_a_stored_token_with_spaces(self):
        # Stored before the check existed: the deployer names the company.
        self.env.cr.execute(
            "UPDATE res_company SET kubernetes_api_key = %s WHERE id = %s",
            ("two words", self.company.id),
        )
        self.company.invalidate_recordset(["kubernetes_api_key"])

        action = self.company.action_kubernetes_test_connection()

        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(
            f"The Kubernetes API key of company {self.company.name} contains spaces",
            action["params"]["message"],
        )
        self.assertEqual(self.kube.requests(), [])

    def test_connection_test_asks_for_a_missing_url(self):
        # Spaces alone, stored before the URL check existed, are no URL.
        self.env.cr.execute(
            "UPDATE res_company SET kubernetes_api_url = %s WHERE id = %s",
            ("  ", self.company.id),
        )
        self.company.invalidate_recordset(["kubernetes_api_url"])

        action = self.company.action_kubernetes_test_connection()

        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(
            action["params"]["message"],
            f"Set the Kubernetes API URL of company {self.company.name}.",
        )

    def test_company_refuses_a_malformed_ca_certificate(self):
        with self.assertRaisesRegex(ValidationError, "not a valid PEM certificate"):
            self.company.kubernetes_ca_cert = "not a certificate"

    def test_connection_test_reports_a_stored_malformed_ca(self):
        # Stored before the check existed: the test says so, in words.
        self.env.cr.execute(
            "UPDATE res_company SET kubernetes_ca_cert = %s WHERE id = %s",
            (
                "-----BEGIN CERTIFICATE-----\nbm90\n-----END CERTIFICATE-----",
                self.company.id,
            ),
        )
        self.company.invalidate_recordset(["kubernetes_ca_cert"])

        action = self.company.action_kubernetes_test_connection()

        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("not a valid PEM certificate", action["params"]["message"])
        self.assertEqual(self.kube.requests(), [])

    def test_settings_show_the_connection_for_this_backend_only(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.kubernetes_backend, self.backend)
        self.assertTrue(settings.kubernetes_needs_connection)

        settings.kubernetes_backend = "dry_run"

        self.assertFalse(settings.kubernetes_needs_connection)
