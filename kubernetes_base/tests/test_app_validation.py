from odoo.exceptions import AccessError, UserError, ValidationError
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
        with self.assertRaisesRegex(
            ValidationError,
            r"^The product \[odoo-app\] Odoo App cannot run in "
            r"Development \(dev\)\.$",
        ):
            self._create_app(
                "devapp", namespace_id=namespace.id, environment_id=self.env_dev.id
            )

    def test_namespace_environment_must_match(self):
        with self.assertRaisesRegex(
            ValidationError,
            rf"^The app mismatch runs in Production \(prod\) but its namespace "
            rf"{self.namespace.name} is for Integration \(int\)\.$",
        ):
            self._create_app("mismatch", environment_id=self.env_prod.id)

    def test_product_with_manifests_needs_an_allowed_environment(self):
        template = self.product.product_tmpl_id
        with self.assertRaisesRegex(
            ValidationError,
            r"^The product \[odoo-app\] Odoo App lists manifests: choose at least one "
            r"allowed "
            r"environment on its Kubernetes tab\.$",
        ):
            template.environment_ids = False

    def test_namespace_name_must_be_a_dns_label(self):
        for name in ("Bad_Name", "-lead", "x" * 64):
            with (
                self.subTest(name=name),
                self.assertRaisesRegex(
                    ValidationError,
                    rf"^The namespace name {name} is not a valid DNS label\.$",
                ),
            ):
                self.namespace.name = name

    def test_config_entry_needs_an_owner(self):
        key = self.env.ref("kubernetes_base.kubernetes_config_key_revision")
        with self.assertRaisesRegex(
            ValidationError,
            r"^A configuration entry must belong to an app or a product\.$",
        ):
            self.env["kubernetes.config.map"].create({"key_id": key.id, "value": "x"})

    def test_deploy_needs_manifests_with_content(self):
        bare = self.env["product.product"].create(
            {"name": "Bare App", "type": "service"}
        )
        app = self._create_app("bare", product_id=bare.id)
        with self.assertRaisesRegex(
            UserError, r"^The product Bare App lists no manifest\.$"
        ):
            app._get_manifests()

        manifest = self.env["kubernetes.manifest"].create(
            {
                "name": "Hollow",
                "url": "kubernetes_base/data/manifests/service.yaml.j2",
            }
        )
        manifest.content = False
        bare.product_tmpl_id.write(
            {
                "environment_ids": [(6, 0, self.env_int.ids)],
                "manifest_ids": [(0, 0, {"manifest_id": manifest.id})],
            }
        )
        with self.assertRaisesRegex(
            UserError, r"^The manifest Hollow has no content: reload it\.$"
        ):
            app._get_manifests()

    def test_actions_refused_with_their_messages(self):
        app = self._create_app("acted")
        cases = [
            ("draft", app.action_suspend, "it cannot be suspended now."),
            ("draft", app.action_resume, "it cannot be resumed now."),
            ("draft", app.action_delete, "it cannot be deleted from the cluster now."),
            ("suspended", app.action_deploy, "it cannot be deployed now."),
            ("deleted", app.action_redeploy, "it cannot be deployed now."),
            (
                "deploying",
                app.action_restart,
                "it can be restarted only when it is running or failed.",
            ),
            ("running", app.action_resume, "it cannot be resumed now."),
        ]
        labels = dict(app._fields["state"]._description_selection(self.env))
        for state, action, reason in cases:
            app.write({"state": state})
            with (
                self.subTest(state=state, action=action.__name__),
                self.assertRaisesRegex(
                    UserError, f"^The app acted is {labels[state]}: {reason}$"
                ),
            ):
                action()

    def test_actions_wait_for_pending_work(self):
        app = self._create_app("waiting")
        app.write({"state": "running"})
        app.action_delete()
        message = (
            "^The app waiting is waiting for: {pending}. Try again once that is done.$"
        )
        for action in (app.action_deploy, app.action_suspend, app.action_restart):
            with (
                self.subTest(action=action.__name__),
                self.assertRaisesRegex(UserError, message.format(pending="Delete")),
            ):
                action()
        app.write({"pending_action": "suspend"})
        with self.assertRaisesRegex(UserError, message.format(pending="Suspend")):
            app.action_redeploy()
        self.assertEqual(app.pending_action, "suspend")
