from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestAppValidation(KubernetesCase):
    """Every rule on app names, hostnames and environments, with its message."""

    def test_hostname_defaults_to_name_and_company_domain(self):
        app = self._create_app("r4ts-prod")
        self.assertEqual(app.hostname, "r4ts-prod.apps.example.com")
        self.assertEqual(app.url, "https://r4ts-prod.apps.example.com")

    def test_name_rules_and_messages(self):
        cases = {
            "": "Enter a name for the app.",
            "a" * 54: "is too long: use at most 53 characters",
            "Shop": "is not valid",
            "9lives": "is not valid",
            "shop-": "is not valid",
            "shop_int": "is not valid",
            "x\nkind: ClusterRole": "is not valid",
            "www": "is reserved",
            "admin": "is reserved",
        }
        for name, message in cases.items():
            with self.subTest(name=name):
                self.assertIn(
                    message,
                    self.env["kubernetes.app"]._get_name_problem(name, self.company),
                )
        self.assertEqual(
            self.env["kubernetes.app"]._get_name_problem("a" * 53, self.company), ""
        )

    def test_invalid_name_refused_on_create(self):
        with self.assertRaisesRegex(ValidationError, "is not valid"):
            self._create_app("Bad Name")
        with self.assertRaisesRegex(ValidationError, "is reserved"):
            self._create_app("mail")

    def test_name_unique_per_company(self):
        self._create_app("taken")
        self.assertIn(
            "already taken",
            self.env["kubernetes.app"]._get_name_problem("taken", self.company),
        )
        with self.assertRaisesRegex(ValidationError, "already taken"):
            self._create_app("taken")

    def test_name_free_again_after_delete(self):
        app = self._create_app("gone")
        app.write({"state": "deleted"})
        self.assertEqual(
            self.env["kubernetes.app"]._get_name_problem("gone", self.company), ""
        )
        self.assertTrue(self._create_app("gone", hostname="gone2.apps.example.com"))

    def test_same_name_in_another_company(self):
        other = self.env["res.company"].create(
            {"name": "Other Hosting", "kubernetes_domain": "other.example.com"}
        )
        self._create_app("twin")
        self.assertEqual(
            self.env["kubernetes.app"]._get_name_problem("twin", other), ""
        )

    def test_hostname_must_be_valid_and_unique(self):
        app = self._create_app("one")
        with self.assertRaisesRegex(ValidationError, "already used by another app"):
            self._create_app("two", hostname="one.apps.example.com")
        with self.assertRaisesRegex(ValidationError, "not a valid DNS name"):
            app.hostname = "not a host"

    def test_hostname_needs_a_domain(self):
        self.company.kubernetes_domain = False
        with self.assertRaisesRegex(ValidationError, "has no hostname"):
            self._create_app("nodomain")

    def test_hostname_editable_by_managers_only(self):
        app = self._create_app("hosted")
        with self.assertRaisesRegex(AccessError, "Only Kubernetes managers"):
            app.with_user(self.user).hostname = "custom.example.org"
        app.with_user(self.manager).hostname = "custom.example.org"
        self.assertEqual(app.hostname, "custom.example.org")

    def test_environment_must_be_allowed_by_product(self):
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            self.customer, self.env_dev, self.company
        )
        with self.assertRaisesRegex(ValidationError, "cannot run in"):
            self._create_app(
                "devapp", namespace_id=namespace.id, environment_id=self.env_dev.id
            )

    def test_namespace_environment_must_match(self):
        with self.assertRaisesRegex(ValidationError, "its namespace"):
            self._create_app("mismatch", environment_id=self.env_prod.id)

    def test_config_copied_from_product(self):
        app = self._create_app("configured")
        self.assertEqual(
            {entry.key_id.key: entry.value for entry in app.config_map_ids},
            {
                "ENVIRONMENT": "prod",
                "REVISION": "17.0.20241104",
                "GIT_REPOS": "git@github.com/oca/sale-workflow#16,"
                "git@github.com/oca/sale-workflow#17",
                "PIP_INSTALL": "fastapi",
            },
        )
        self.assertFalse(any(app.config_map_ids.mapped("is_template")))

    def test_namespace_name_rule(self):
        self.assertEqual(
            self.namespace.name, f"c{self.customer.id}-ada-lovelace-ag-int"
        )
        again = self.env["kubernetes.namespace"]._get_or_create(
            self.customer, self.env_int, self.company
        )
        self.assertEqual(again, self.namespace)

    def test_config_key_and_environment_rules(self):
        with self.assertRaisesRegex(ValidationError, "is not valid"):
            self.env["kubernetes.config.key"].create({"key": "lower-case"})
        with self.assertRaisesRegex(ValidationError, "is not valid"):
            self.env["kubernetes.environment"].create(
                {"name": "Staging", "short": "Staging!"}
            )

    def test_company_settings_rules(self):
        with self.assertRaisesRegex(ValidationError, "API URL"):
            self.company.kubernetes_api_url = "ftp://cluster"
        with self.assertRaisesRegex(ValidationError, "not a valid DNS name"):
            self.company.kubernetes_domain = "bad domain"
        with self.assertRaisesRegex(ValidationError, "between 1 and 300"):
            self.company.kubernetes_timeout = 0
