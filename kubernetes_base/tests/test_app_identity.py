from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestAppIdentity(KubernetesCase):
    """What names an app on the cluster changes only while it has no objects
    there; its hostname is set once, not recomputed behind its back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_product = cls.product.copy({"name": "Odoo App Large"})
        cls.namespace_prod = cls.env["kubernetes.namespace"]._get_or_create(
            cls.customer, cls.env_prod, cls.company
        )

    # -- identity fields ------------------------------------------------------

    def test_identity_of_a_deployed_app_cannot_change(self):
        app = self._create_app()
        changes = {
            "name": ("renamed", "Name"),
            "namespace_id": (self.namespace_prod.id, "Namespace"),
            "product_id": (self.other_product.id, "Product"),
            "environment_id": (self.env_prod.id, "Environment"),
        }
        for state, label in (("queued", "Queued"), ("running", "Running")):
            app.write({"state": state})
            for field, (value, field_label) in changes.items():
                with (
                    self.subTest(state=state, field=field),
                    self.assertRaisesRegex(
                        UserError,
                        f"The app shop-int is {label}: its {field_label} cannot "
                        "change while it has objects on the cluster.",
                    ),
                ):
                    app.with_user(self.manager).write({field: value})
        self.assertEqual(
            (app.name, app.namespace_id, app.product_id, app.environment_id),
            ("shop-int", self.namespace, self.product, self.env_int),
        )

    def test_unchanged_identity_may_be_written(self):
        app = self._create_app()
        app.write({"state": "running"})
        app.write(
            {
                "name": app.name,
                "namespace_id": app.namespace_id.id,
                "product_id": app.product_id.id,
                "environment_id": app.environment_id.id,
                "status_message": "Ready.",
            }
        )
        self.assertEqual(app.status_message, "Ready.")

    def test_identity_of_a_draft_or_deleted_app_may_change(self):
        app = self._create_app()
        app.write(
            {
                "name": "renamed",
                "product_id": self.other_product.id,
                "namespace_id": self.namespace_prod.id,
                "environment_id": self.env_prod.id,
            }
        )
        self.assertEqual(app.namespace_id, self.namespace_prod)
        app.write({"state": "deleted"})
        app.write({"name": "renamed-again"})
        self.assertEqual(app.name, "renamed-again")

    def test_namespace_of_deployed_apps_keeps_its_identity(self):
        app = self._create_app()
        other_customer = self.env["res.partner"].create({"name": "Grace Hopper AG"})
        other_company = self._create_company("Hosting B", "b.example.com")
        changes = {
            "name": ("c1-renamed-int", "Name"),
            "partner_id": (other_customer.id, "Customer"),
            "environment_id": (self.env_prod.id, "Environment"),
            "company_id": (other_company.id, "Company"),
        }
        # Free while its apps are drafts.
        self.namespace.write({"name": "c1-draft-int"})
        app.write({"state": "running"})
        for field, (value, label) in changes.items():
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(
                    UserError,
                    "The namespace c1-draft-int holds apps on the cluster "
                    rf"\(shop-int\): its {label} cannot change.",
                ),
            ):
                self.namespace.with_user(self.manager).write({field: value})
        self.assertEqual(self.namespace.partner_id, self.customer)

        app.write({"state": "deleted"})
        self.namespace.write({"name": "c1-free-int"})
        self.assertEqual(self.namespace.name, "c1-free-int")

    # -- hostname ---------------------------------------------------------------

    def test_company_domain_change_keeps_hostnames(self):
        draft = self._create_app("draft-app")
        running = self._create_app("running-app")
        running.write({"state": "running"})
        self.company.kubernetes_domain = "new.example.org"
        self.env.flush_all()
        self.assertEqual(draft.hostname, "draft-app.apps.example.com")
        self.assertEqual(running.hostname, "running-app.apps.example.com")
        self.assertEqual(self._create_app("later").hostname, "later.new.example.org")

    def test_hostname_follows_the_name_of_a_draft(self):
        app = self._create_app("first-name")
        app.with_user(self.user).name = "second-name"
        self.assertEqual(app.hostname, "second-name.apps.example.com")

        # Typed by hand: kept.
        app.with_user(self.manager).hostname = "custom.example.org"
        app.name = "third-name"
        self.assertEqual(app.hostname, "custom.example.org")

        # Emptied on a draft: the default again.
        app.with_user(self.user).hostname = False
        self.assertEqual(app.hostname, "third-name.apps.example.com")

    def test_hostname_taken_when_following_is_a_validation_error(self):
        self._create_app("taken", hostname="next.apps.example.com")
        app = self._create_app("current")
        with self.assertRaisesRegex(
            ValidationError,
            "The hostname next.apps.example.com is already used by another app.",
        ):
            app.name = "next"
        self.assertEqual(app.hostname, "current.apps.example.com")

    def test_hostname_from_the_app_company_not_the_user_company(self):
        company_b = self._create_company("Hosting B", "b.example.com")
        namespace_b = self.env["kubernetes.namespace"]._get_or_create(
            self.customer, self.env_int, company_b
        )
        app = self._create_app("abroad", namespace_id=namespace_b.id)
        self.assertEqual(self.env.company, self.company)
        self.assertEqual(app.hostname, "abroad.b.example.com")

        company_b.kubernetes_domain = False
        with self.assertRaisesRegex(
            ValidationError,
            "The app nowhere has no hostname: set the Kubernetes domain of "
            "company Hosting B or type a hostname.",
        ):
            self._create_app("nowhere", namespace_id=namespace_b.id)

    def test_form_shows_the_default_hostname_of_a_renamed_draft(self):
        app = self._create_app("formed")
        with Form(app.with_user(self.user)) as form:
            form.name = "reformed"
            self.assertFalse(form.hostname)
            self.assertEqual(form.default_hostname, "reformed.apps.example.com")
        self.assertEqual(app.hostname, "reformed.apps.example.com")
        with Form(app.with_user(self.manager)) as form:
            form.name = "manager-formed"
        self.assertEqual(app.hostname, "manager-formed.apps.example.com")

    # -- who may choose a hostname ----------------------------------------------

    def test_user_cannot_create_an_app_with_a_chosen_hostname(self):
        apps = self.env["kubernetes.app"].with_user(self.user)
        vals = {
            "product_id": self.product.id,
            "namespace_id": self.namespace.id,
            "environment_id": self.env_int.id,
        }
        with self.assertRaisesRegex(
            AccessError, "Only Kubernetes managers may change a hostname."
        ):
            apps.create(dict(vals, name="mine", hostname="www.apps.example.com"))
        app = apps.create(dict(vals, name="mine", hostname="mine.apps.example.com"))
        self.assertEqual(app.hostname, "mine.apps.example.com")
        chosen = (
            self.env["kubernetes.app"]
            .with_user(self.manager)
            .create(dict(vals, name="chosen", hostname="www.apps.example.com"))
        )
        self.assertEqual(chosen.hostname, "www.apps.example.com")

    def test_user_renaming_a_draft_may_send_the_new_default(self):
        app = self._create_app("before")
        app.with_user(self.user).write(
            {"name": "after", "hostname": "after.apps.example.com"}
        )
        self.assertEqual(app.hostname, "after.apps.example.com")
        with self.assertRaisesRegex(AccessError, "Only Kubernetes managers"):
            app.with_user(self.user).write(
                {"name": "again", "hostname": "other.apps.example.com"}
            )
        app.write({"state": "running"})
        with self.assertRaisesRegex(AccessError, "Only Kubernetes managers"):
            app.with_user(self.user).write({"hostname": False})

    def test_hostname_read_only_for_users_in_the_form(self):
        def hostname_nodes(user):
            arch = (
                self.env["kubernetes.app"]
                .with_user(user)
                .get_view(view_type="form")["arch"]
            )
            return [
                line
                for line in arch.split("<field")
                if line.lstrip().startswith('name="hostname"')
            ]

        user_nodes = hostname_nodes(self.user)
        self.assertEqual(len(user_nodes), 1)
        self.assertIn('readonly="1"', user_nodes[0])
        manager_nodes = hostname_nodes(self.manager)
        self.assertEqual(len(manager_nodes), 1)
        self.assertNotIn("readonly", manager_nodes[0])
