from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestSecurity(KubernetesCase):
    """The API key is for system administrators; companies are kept apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.kubernetes_api_key = "token-for-admins-only"

    def test_api_key_hidden_from_kubernetes_manager(self):
        company = self.company.with_user(self.manager)
        self.assertNotIn("kubernetes_api_key", company.fields_get())
        with self.assertRaises(AccessError):
            company.read(["kubernetes_api_key"])
        with self.assertRaises(AccessError):
            company.kubernetes_api_key = "changed"
        arch = self.env["res.config.settings"].get_view(
            self.env.ref("base.res_config_settings_view_form").id
        )["arch"]
        self.assertIn('name="kubernetes_api_key"', arch)
        field = self.env["res.config.settings"]._fields["kubernetes_api_key"]
        self.assertEqual(field.groups, "base.group_system")

    def test_api_key_readable_by_system_administrator(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(
            self.company.with_user(admin).kubernetes_api_key, "token-for-admins-only"
        )

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
