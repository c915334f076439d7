from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestSecurity(KubernetesCase):
    """The API key is for system administrators; companies are kept apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.kubernetes_api_key = "token-for-admins-only"

    def _settings_arch(self, user):
        return (
            self.env["res.config.settings"]
            .with_user(user)
            .get_view(self.env.ref("base.res_config_settings_view_form").id)["arch"]
        )

    def test_api_key_hidden_from_kubernetes_manager(self):
        # A manager who may even edit companies (Access Rights), but is not a
        # system administrator: only the field's groups keep the key away.
        # The settings model is for administrators; opened to managers here,
        # so that the field's groups are the only barrier left.
        manager = self.manager
        manager.groups_id = [(4, self.env.ref("base.group_erp_manager").id)]
        self.assertFalse(manager.has_group("base.group_system"))
        self.env["ir.model.access"].create(
            {
                "name": "settings for Kubernetes managers (test)",
                "model_id": self.env.ref("base.model_res_config_settings").id,
                "group_id": self.env.ref("kubernetes_base.group_kubernetes_manager").id,
                "perm_read": True,
                "perm_create": True,
            }
        )

        arch = self._settings_arch(manager)
        self.assertIn('name="kubernetes_domain"', arch)
        self.assertNotIn("kubernetes_api_key", arch)
        self.assertNotIn(
            "kubernetes_api_key",
            self.env["res.config.settings"].with_user(manager).fields_get(),
        )

        company = self.company.with_user(manager)
        self.assertNotIn("kubernetes_api_key", company.fields_get())
        self.assertTrue(company.read(["kubernetes_domain"]))
        with self.assertRaisesRegex(AccessError, "kubernetes_api_key"):
            company.read(["kubernetes_api_key"])
        company.write({"kubernetes_domain": "managed.example.com"})
        with self.assertRaisesRegex(AccessError, "kubernetes_api_key"):
            company.write({"kubernetes_api_key": "changed"})

        settings = self.env["res.config.settings"].with_user(manager).create({})
        self.assertEqual(settings.kubernetes_domain, "managed.example.com")
        with self.assertRaisesRegex(AccessError, "kubernetes_api_key"):
            settings.read(["kubernetes_api_key"])
        self.assertEqual(
            self.company.sudo().kubernetes_api_key, "token-for-admins-only"
        )

    def test_api_key_readable_by_system_administrator(self):
        admin = self.env.ref("base.user_admin")
        self.assertIn('name="kubernetes_api_key"', self._settings_arch(admin))
        self.assertEqual(
            self.company.with_user(admin).kubernetes_api_key, "token-for-admins-only"
        )
        settings = self.env["res.config.settings"].with_user(admin).create({})
        self.assertEqual(settings.kubernetes_api_key, "token-for-admins-only")

    def test_manager_can_test_connection_without_reading_the_key(self):
        action = self.company.with_user(
            self.manager
        ).action_kubernetes_test_connection()
        self.assertEqual(action["params"]["type"], "success")

    def test_apps_of_other_companies_hidden(self):
        app = self._create_app("mine")
        other = self.env["res.company"].create({"name": "Elsewhere"})
        outsider = new_test_user(
            self.env,
            login="k8s_outsider",
            groups="base.group_user,kubernetes_base.group_kubernetes_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        apps = self.env["kubernetes.app"].with_user(outsider)
        self.assertFalse(apps.search([("id", "=", app.id)]))
        with self.assertRaises(AccessError):
            apps.browse(app.id).read(["name"])

    def test_internal_user_without_group_cannot_read_apps(self):
        employee = new_test_user(self.env, login="k8s_none", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["kubernetes.app"].with_user(employee).search([])

    def test_draft_app_cannot_move_into_another_company(self):
        company_b = self._create_company("Hosting B", "b.example.com")
        namespace_b = self.env["kubernetes.namespace"]._get_or_create(
            self.env["res.partner"].create({"name": "Customer of B"}),
            self.env_int,
            company_b,
        )
        app = self._create_app("mine")
        self.assertEqual(app.state, "draft")

        with self.assertRaises(AccessError):
            app.with_user(self.user).write({"namespace_id": namespace_b.id})
        self.assertEqual(app.company_id, self.company)
        with self.assertRaises(AccessError):
            self.namespace.with_user(self.user).write({"company_id": company_b.id})
        self.assertEqual(self.namespace.company_id, self.company)

        # Within the user's companies a draft still moves, and a superuser
        # moves it anywhere.
        other = self.env["kubernetes.namespace"]._get_or_create(
            self.env["res.partner"].create({"name": "Grace Hopper AG"}),
            self.env_int,
            self.company,
        )
        app.with_user(self.user).write({"namespace_id": other.id})
        self.assertEqual(app.namespace_id, other)
        app.write({"namespace_id": namespace_b.id})
        self.assertEqual(app.company_id, company_b)

    def test_app_refuses_a_product_of_another_company(self):
        company_b = self._create_company("Hosting B", "b.example.com")
        product_b = self.product.copy({"company_id": company_b.id})
        with self.assertRaises(UserError):
            self._create_app("mine", product_id=product_b.id)
        app = self._create_app("mine")
        with self.assertRaises(UserError):
            app.product_id = product_b
