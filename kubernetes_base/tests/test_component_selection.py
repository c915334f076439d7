from unittest import mock

from odoo.tests import tagged

from odoo.addons.component.core import Component
from odoo.addons.component.tests.common import TransactionComponentRegistryCase

from ..lib.cluster import MemoryTransport, StoreTransport


@tagged("post_install", "-at_install")
class TestComponentSelection(TransactionComponentRegistryCase):
    """The company's backend choice selects the deployer, per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_registry(cls)
        cls.comp_registry.load_components("kubernetes_base")

        class RecordingDeployer(Component):
            """A second backend, known only to this test's registry."""

            _name = "kubernetes.deployer.test_recording"
            _inherit = "kubernetes.deployer.cluster"
            _backend_type = "test_recording"
            _needs_connection = False

            def _build_transport(self, settings):
                return MemoryTransport(f"recording/{self.collection.id}")

        cls._build_components(cls, RecordingDeployer)
        cls.company_a = cls.env["res.company"].create(
            {"name": "Hosting A", "kubernetes_domain": "a.example.com"}
        )
        cls.company_b = cls.env["res.company"].create(
            {"name": "Hosting B", "kubernetes_domain": "b.example.com"}
        )
        # The selection lists the installed backends; this one exists only in
        # the test registry, so the test adds it for its duration.
        field = cls.env.registry["res.company"]._fields["kubernetes_backend"]
        selection = field.selection + [("test_recording", "Recording")]
        for attribute, value in (
            ("selection", selection),
            ("_selection", dict(selection)),
        ):
            patcher = mock.patch.object(field, attribute, value)
            patcher.start()
            cls.addClassCleanup(patcher.stop)
        cls.company_b.kubernetes_backend = "test_recording"

    @classmethod
    def tearDownClass(cls):
        cls._teardown_registry(cls)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        # Lookups find the test registry through the context.
        self.env = self.env(
            context=dict(self.env.context, components_registry=self.comp_registry)
        )
        self.company_a = self.company_a.with_env(self.env)
        self.company_b = self.company_b.with_env(self.env)
        MemoryTransport.reset()

    def _app(self, company, name):
        customer = self.env["res.partner"].create({"name": f"Customer of {name}"})
        environment = self.env.ref("kubernetes_base.kubernetes_environment_prod")
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            customer, environment, company
        )
        return self.env["kubernetes.app"].create(
            {
                "name": name,
                "product_id": self.env.ref(
                    "kubernetes_base.product_product_odoo_app"
                ).id,
                "namespace_id": namespace.id,
                "environment_id": environment.id,
            }
        )

    def test_each_company_gets_its_backend(self):
        self.assertEqual(self.company_a.kubernetes_backend, "dry_run")
        with self.company_a._kubernetes_deployer() as deployer:
            self.assertEqual(deployer._name, "kubernetes.deployer.dry_run")
        with self.company_b._kubernetes_deployer() as deployer:
            self.assertEqual(deployer._name, "kubernetes.deployer.test_recording")

    def test_apps_deploy_through_their_company_backend(self):
        app_a = self._app(self.company_a, "alpha")
        app_b = self._app(self.company_b, "bravo")
        (app_a | app_b).action_deploy()
        for _run in range(2):
            (app_a | app_b).next_attempt_date = "2000-01-01 00:00:00"
            self.env["kubernetes.app"]._cron_process()
        self.assertEqual((app_a.state, app_b.state), ("running", "running"))
        recording = MemoryTransport(f"recording/{self.company_b.id}")
        store = self.env["kubernetes.dry_run.object"]._store(self.company_a)
        dry_run = StoreTransport(store)
        namespace_b = app_b.namespace_id.name
        namespace_a = app_a.namespace_id.name
        self.assertTrue(recording.get("apps/v1", "Deployment", namespace_b, "bravo"))
        self.assertFalse(recording.get("apps/v1", "Deployment", namespace_a, "alpha"))
        self.assertTrue(dry_run.get("apps/v1", "Deployment", namespace_a, "alpha"))
        self.assertFalse(dry_run.get("apps/v1", "Deployment", namespace_b, "bravo"))
