from odoo.exceptions import AccessError
from odoo.tests.common import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import KubernetesPortalCase


@tagged("post_install", "-at_install")
class TestPortalAccess(KubernetesPortalCase):
    """Customer B never sees nor changes anything of customer A."""

    #: The POST actions of an app's page.
    actions = ("restart", "redeploy", "config")

    def _assert_app_untouched(self, app):
        self.assertNotQueued(app)
        self.env.invalidate_all()
        self.assertFalse(app.restarted_at)
        self.assertNotEqual(self.entry_git_repos.value, "hijacked")

    def _assert_every_route_not_found(self, app_id, **params):
        """GET the page and POST every action of the app ``app_id`` with
        ``params``: each answers 404, or 400 without a CSRF token."""
        path = f"/my/apps/{app_id}"
        query = "&".join(f"{key}={value}" for key, value in params.items())
        self.assertNotFound(self._get(f"{path}?{query}" if query else path))
        data = dict(params, **{f"value_{self.entry_git_repos.id}": "hijacked"})
        for action in self.actions:
            self.assertNotFound(self._post(f"{path}/{action}", data))
            with mute_logger("odoo.http"):
                response = self._post(f"{path}/{action}", data, csrf=False)
            self.assertEqual(response.status_code, 400, action)

    def test_another_customers_app_is_not_found(self):
        self._login(self.user_b)
        self._assert_every_route_not_found(self.app_a.id)
        self._assert_app_untouched(self.app_a)

    def test_unknown_app_is_not_found(self):
        self._login(self.user_a)
        self._assert_every_route_not_found(self.app_b.id + 100000)

    def test_wrong_token_is_not_found(self):
        token_b = self.app_b._portal_ensure_token()
        # Signed in as another customer, with a wrong token or B's own token.
        self._login(self.user_b)
        self._assert_every_route_not_found(self.app_a.id, access_token="wrong")
        self._assert_every_route_not_found(self.app_a.id, access_token=token_b)
        # Anonymous, idem.
        self.authenticate(None, None)
        self._assert_every_route_not_found(self.app_a.id, access_token="wrong")
        self._assert_every_route_not_found(self.app_a.id, access_token=token_b)
        self._assert_app_untouched(self.app_a)

    def test_anonymous_without_token_is_sent_to_login(self):
        self.authenticate(None, None)
        back = self.app_a.access_url
        self.assertRedirectsToLogin(self._get(back), back)
        for action in self.actions:
            data = {f"value_{self.entry_git_repos.id}": "hijacked"}
            response = self._post(f"{back}/{action}", data)
            self.assertRedirectsToLogin(response, back)
            with mute_logger("odoo.http"):
                response = self._post(f"{back}/{action}", data, csrf=False)
            self.assertEqual(response.status_code, 400, action)
        self._assert_app_untouched(self.app_a)
        # An unknown app gives the same answer: nothing tells it apart.
        missing = f"/my/apps/{self.app_b.id + 100000}"
        self.assertRedirectsToLogin(self._get(missing), missing)

    def test_list_of_another_customer(self):
        self._login(self.user_b)
        page = self._get("/my/apps").text
        self.assertIn("beta-prod", page)
        self.assertNotIn("alpha-prod", page)
        page = self._get("/my/apps?search=alpha&search_in=all").text
        self.assertNotIn("alpha-prod", page)

    def test_own_app_with_entry_of_another_customer(self):
        self._login(self.user_b)
        data = {f"value_{self.entry_git_repos.id}": "hijacked"}
        response = self._post(f"{self.app_b.access_url}/config", data)
        self.assertIn("does not belong to the app beta-prod", response.text)
        self.env.invalidate_all()
        self.assertNotEqual(self.entry_git_repos.value, "hijacked")
        self.assertNotQueued(self.app_b)

    def test_same_company_contacts_share_apps(self):
        colleague = new_test_user(
            self.env,
            login="portal_alpha_2",
            groups="base.group_portal",
            context={"no_reset_password": True},
            parent_id=self.customer_a.id,
        )
        self._login(colleague)
        self.assertEqual(self._get(self.app_a.access_url).status_code, 200)

    # -- the ORM, through JSON-RPC ------------------------------------------

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def assertRpcDenied(self, model, method, args, kwargs=None):
        with self.assertRaises(JsonRpcException) as caught:
            self._call_kw(model, method, args, kwargs)
        self.assertIn("AccessError", str(caught.exception))

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_call_kw_reads_of_another_customer(self):
        self._login(self.user_b)
        self.assertRpcDenied("kubernetes.app", "read", [[self.app_a.id], ["name"]])
        self.assertRpcDenied(
            "kubernetes.namespace", "read", [[self.namespace_a.id], ["name"]]
        )
        self.assertRpcDenied(
            "kubernetes.config.map", "read", [[self.entry_git_repos.id], ["value"]]
        )

        apps = self._call_kw(
            "kubernetes.app", "search_read", [[]], {"fields": ["name"]}
        )
        self.assertEqual([app["name"] for app in apps], ["beta-prod"])
        namespaces = self._call_kw(
            "kubernetes.namespace", "search_read", [[]], {"fields": ["partner_id"]}
        )
        self.assertEqual(
            {namespace["partner_id"][0] for namespace in namespaces},
            {self.customer_b.id},
        )
        entries = self._call_kw("kubernetes.config.map", "search", [[]])
        self.assertTrue(entries)
        self.assertFalse(set(entries) & set(self.app_a.config_map_ids.ids))
        self.assertFalse(
            set(entries) & set(self.product.product_tmpl_id.config_map_template_ids.ids)
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_call_kw_secrets_of_own_app(self):
        self._login(self.user_a)
        # Own secret entries: out of reach, their value record would name it.
        self.assertRpcDenied(
            "kubernetes.config.map", "read", [[self.entry_db_password.id], ["value_id"]]
        )
        entries = self._call_kw("kubernetes.config.map", "search", [[]])
        self.assertIn(self.entry_git_repos.id, entries)
        self.assertNotIn(self.entry_db_password.id, entries)
        self.assertNotIn(self.entry_api_token.id, entries)
        # Nor the values directly, nor the applied objects.
        self.assertRpcDenied(
            "kubernetes.config.value", "search_read", [[]], {"fields": ["value"]}
        )
        self.assertRpcDenied(
            "kubernetes.app", "read", [[self.app_a.id], ["applied_objects"]]
        )
        app = self._call_kw(
            "kubernetes.app", "read", [[self.app_a.id], ["name", "state"]]
        )
        self.assertEqual(app[0]["state"], "running")

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model")
    def test_call_kw_writes_refused(self):
        """Portal users act only through the portal routes."""
        self._login(self.user_a)
        self.assertRpcDenied("kubernetes.app", "action_redeploy", [[self.app_a.id]])
        self.assertRpcDenied("kubernetes.app", "action_restart", [[self.app_a.id]])
        self.assertRpcDenied(
            "kubernetes.app", "write", [[self.app_a.id], {"state": "failed"}]
        )
        self.assertRpcDenied(
            "kubernetes.config.map",
            "write",
            [[self.entry_git_repos.id], {"value": "x"}],
        )
        self.assertNotQueued(self.app_a)

    def _post_app_messages(self):
        """Post on customer A's app a provisioning step (public), an internal
        note and a fault (internal subtype); return them."""
        step = self.app_a._post_step("Deploy of alpha queued.")
        note = self.app_a.message_post(
            body="Alpha pays late", subtype_xmlid="mail.mt_note"
        )
        fault = self.app_a.message_post(
            body="Forbidden: system:serviceaccount:ops:deployer",
            subtype_xmlid="kubernetes_base.mt_app_provisioning_fault",
        )
        return step, note, fault

    def _search_app_messages(self, app):
        return self._call_kw(
            "mail.message",
            "search_read",
            [[("model", "=", "kubernetes.app"), ("res_id", "=", app.id)]],
            {"fields": ["body"]},
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_call_kw_messages_of_another_customer(self):
        step, note, fault = self._post_app_messages()
        self._login(self.user_b)
        self.assertEqual(self._search_app_messages(self.app_a), [])
        for message in (step, note, fault):
            self.assertRpcDenied("mail.message", "read", [[message.id], ["body"]])

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_call_kw_internal_messages_of_own_app(self):
        step, note, fault = self._post_app_messages()
        self._login(self.user_a)
        found = {message["id"] for message in self._search_app_messages(self.app_a)}
        self.assertIn(step.id, found)
        self.assertNotIn(note.id, found)
        self.assertNotIn(fault.id, found)
        message = self._call_kw("mail.message", "read", [[step.id], ["body"]])
        self.assertIn("Deploy of alpha queued.", message[0]["body"])
        for message in (note, fault):
            self.assertRpcDenied("mail.message", "read", [[message.id], ["body"]])

    # -- the ORM, directly ----------------------------------------------------

    def test_record_rules(self):
        App = self.env["kubernetes.app"].with_user(self.user_b)
        self.assertEqual(App.search([]), self.app_b)
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_rule"),
        ):
            App.browse(self.app_a.id).read(["name"])
        Namespace = self.env["kubernetes.namespace"].with_user(self.user_b)
        self.assertEqual(Namespace.search([]), self.namespace_b)
        Entry = self.env["kubernetes.config.map"].with_user(self.user_a)
        visible = Entry.search([])
        self.assertIn(self.entry_git_repos, visible)
        self.assertNotIn(self.entry_db_password, visible)
        self.assertFalse(visible.filtered("is_template"))
