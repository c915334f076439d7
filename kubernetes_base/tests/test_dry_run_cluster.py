from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib.cluster import StoreTransport
from ..lib.exceptions import NotFoundError
from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestDryRunCluster(KubernetesCase):
    """The dry-run backend's cluster lives in the database, per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Object = cls.env["kubernetes.dry_run.object"]

    def _namespace(self, name):
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}

    def _config_map(self, namespace, name, data):
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": data,
        }

    def test_a_deploy_is_seen_by_a_cluster_built_afresh(self):
        app = self._create_app()
        app.action_deploy()
        self._process(app)
        self.assertEqual(app.state, "deploying")

        # Another worker process, or the server after a restart, builds its
        # own transport: the objects are in the database, not in memory.
        self.env.invalidate_all()
        stored = self.Object.search([("company_id", "=", self.company.id)])
        self.assertIn(
            ("apps/v1", "Deployment", app.namespace_id.name, app.name),
            {(o.api_version, o.kind, o.namespace, o.name) for o in stored},
        )
        namespace = stored.filtered(lambda o: o.kind == "Namespace")
        self.assertEqual(namespace.mapped("namespace"), [False])

        self._process(app)
        self.assertEqual(app.state, "running")

    def test_apply_merges_and_counts_versions(self):
        cluster = self._dry_run_cluster()
        cluster.apply(self._namespace("team"))
        first = cluster.apply(self._config_map("team", "settings", {"A": "1"}))
        second = cluster.apply(self._config_map("team", "settings", {"B": "2"}))

        self.assertEqual(second["data"], {"A": "1", "B": "2"})
        self.assertEqual(second["metadata"]["uid"], first["metadata"]["uid"])
        self.assertGreater(
            int(second["metadata"]["resourceVersion"]),
            int(first["metadata"]["resourceVersion"]),
        )
        self.assertEqual(
            self.Object.search_count([("company_id", "=", self.company.id)]), 2
        )

    def test_an_object_needs_its_namespace(self):
        cluster = self._dry_run_cluster()
        with self.assertRaisesRegex(NotFoundError, 'namespaces "nowhere" not found'):
            cluster.apply(self._config_map("nowhere", "settings", {}))
        self.assertFalse(self.Object.search([("company_id", "=", self.company.id)]))

    def test_deleting_a_namespace_deletes_what_is_in_it(self):
        cluster = self._dry_run_cluster()
        for name in ("team", "other"):
            cluster.apply(self._namespace(name))
            cluster.apply(self._config_map(name, "settings", {"A": "1"}))

        cluster.delete("v1", "Namespace", None, "team")

        self.assertIsNone(cluster.get("v1", "ConfigMap", "team", "settings"))
        self.assertIsNone(cluster.get("v1", "Namespace", None, "team"))
        self.assertTrue(cluster.get("v1", "ConfigMap", "other", "settings"))
        self.assertEqual(
            [
                o["metadata"]["name"]
                for o in cluster.list("v1", "ConfigMap", "other", {})
            ],
            ["settings"],
        )

    def test_companies_have_clusters_apart(self):
        other_company = self._create_company("Hosting Two", "two.example.com")
        mine = self._dry_run_cluster()
        theirs = StoreTransport(self.Object._store(other_company))
        mine.apply(self._namespace("team"))

        self.assertIsNone(theirs.get("v1", "Namespace", None, "team"))
        self.assertEqual(theirs.list("v1", "Namespace", None, {}), [])
        theirs.apply(self._namespace("team"))
        self.assertEqual(
            self.Object.search_count(
                [("name", "=", "team"), ("kind", "=", "Namespace")]
            ),
            2,
        )

    def test_a_failed_step_leaves_the_cluster_as_it_was(self):
        cluster = self._dry_run_cluster()
        cluster.apply(self._namespace("team"))
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            cluster.apply(self._config_map("team", "settings", {"A": "1"}))
            raise RuntimeError("the step failed after applying")
        self.env.invalidate_all()
        self.assertIsNone(cluster.get("v1", "ConfigMap", "team", "settings"))

    def test_the_data_of_a_secret_is_encrypted_at_rest(self):
        cluster = self._dry_run_cluster()
        cluster.apply(self._namespace("team"))
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "keys", "namespace": "team", "labels": {"a": "b"}},
            "stringData": {"password": "correct-horse-battery"},
        }
        cluster.apply(secret)

        self.env.flush_all()
        self.env.cr.execute(
            "SELECT content::text, sealed_data FROM kubernetes_dry_run_object "
            "WHERE kind = 'Secret' AND company_id = %s",
            (self.company.id,),
        )
        content, sealed = self.env.cr.fetchone()
        self.assertNotIn("correct-horse-battery", content + sealed)
        self.assertIn('"labels"', content)
        self.assertEqual(
            cluster.get("v1", "Secret", "team", "keys")["stringData"],
            {"password": "correct-horse-battery"},
        )
        listed = cluster.list("v1", "Secret", "team", {"a": "b"})
        self.assertEqual(listed[0]["stringData"]["password"], "correct-horse-battery")

        # Under another database secret the data cannot be read: the Secret
        # reads as empty, and the next apply writes it again.
        self.env["ir.config_parameter"].set_param("database.secret", "another")
        with self.assertLogs(
            "odoo.addons.kubernetes_base.models.kubernetes_dry_run_object", "WARNING"
        ):
            self.assertNotIn("stringData", cluster.get("v1", "Secret", "team", "keys"))
        with self.assertLogs(
            "odoo.addons.kubernetes_base.models.kubernetes_dry_run_object", "WARNING"
        ):
            cluster.apply(secret)
        self.assertEqual(
            cluster.get("v1", "Secret", "team", "keys")["stringData"],
            {"password": "correct-horse-battery"},
        )

    def test_only_system_administrators_read_the_objects(self):
        cluster = self._dry_run_cluster()
        cluster.apply(self._namespace("team"))
        with self.assertRaises(AccessError):
            self.Object.with_user(self.manager).search([])
        admin = self.env.ref("base.user_admin")
        self.assertTrue(self.Object.with_user(admin).search([("name", "=", "team")]))
