from types import SimpleNamespace
from unittest.mock import patch

from odoo.tests.common import tagged

from ..controllers.portal import KubernetesAppPortal
from .common import KubernetesPortalCase


@tagged("post_install", "-at_install")
class TestPortalPages(KubernetesPortalCase):
    """The home tile, the list and the detail page, as their customer sees them."""

    def test_home_counter(self):
        self._login(self.user_a)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["app_count"]}
        )
        self.assertEqual(counters["app_count"], 1)

        self._login(self.user_b)
        self._create_app(
            "beta-int",
            self.env["kubernetes.namespace"]._get_or_create(
                self.customer_b, self.env_int, self.company
            ),
        )
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["app_count"]}
        )
        self.assertEqual(counters["app_count"], 2)

    def test_home_tile(self):
        self._login(self.user_a)
        response = self._get("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn('href="/my/apps"', response.text)
        self.assertIn('data-placeholder_count="app_count"', response.text)

    def test_list_shows_own_apps_only(self):
        self._login(self.user_a)
        response = self._get("/my/apps")
        self.assertEqual(response.status_code, 200)
        self.assertIn("alpha-prod", response.text)
        self.assertIn(f'href="/my/apps/{self.app_a.id}"', response.text)
        self.assertIn('href="https://alpha-prod.apps.example.com"', response.text)
        self.assertIn("Production", response.text)
        self.assertIn("Odoo App", response.text)
        self.assertIn("Running", response.text)
        self.assertNotIn("beta-prod", response.text)

    def test_list_shows_status_reasons(self):
        self.app_a.write(
            {"state": "failed", "last_error": "Pull of registry.internal:5000 failed"}
        )
        self._create_app(
            "alpha-stage",
            self.namespace_a,
            state="suspended",
            suspend_reason="Your subscription was closed.",
        )
        self._login(self.user_a)
        page = self._get("/my/apps").text
        self.assertIn("Failed", page)
        self.assertIn("The last change could not be completed", page)
        self.assertNotIn("registry.internal", page)
        self.assertIn("Suspended", page)
        self.assertIn("Your subscription was closed.", page)
        self.assertEqual(page.count("o_kubernetes_app_status_reason"), 2)

    def test_list_filters_sorting_and_search(self):
        second = self._create_app("alpha-stage", self.namespace_a, state="failed")
        self._login(self.user_a)

        response = self._get("/my/apps?filterby=failed")
        self.assertIn("alpha-stage", response.text)
        self.assertNotIn("alpha-prod<", response.text)

        response = self._get("/my/apps?filterby=running&sortby=newest")
        self.assertIn("alpha-prod", response.text)
        self.assertNotIn("alpha-stage", response.text)

        response = self._get("/my/apps?search=stage&search_in=name")
        self.assertIn("alpha-stage", response.text)
        self.assertNotIn("alpha-prod<", response.text)

        response = self._get("/my/apps?search=Production&search_in=environment")
        self.assertIn("alpha-stage", response.text)
        self.assertIn("alpha-prod", response.text)

        response = self._get("/my/apps?search=no-such-thing&search_in=all")
        self.assertIn("There are currently no apps", response.text)

        response = self._get("/my/apps?search=Odoo&search_in=product&sortby=status")
        self.assertIn("alpha-stage", response.text)

        # Unknown keys fall back to the defaults.
        response = self._get("/my/apps?sortby=nope&filterby=nope&search_in=nope")
        self.assertEqual(response.status_code, 200)
        self.assertIn(second.name, response.text)

    def test_list_pager(self):
        self._create_app("alpha-test", self.namespace_a)
        self._login(self.user_a)
        with patch.object(KubernetesAppPortal, "_items_per_page", 1):
            first = self._get("/my/apps").text
            second = self._get("/my/apps/page/2").text
        self.assertIn("alpha-prod", first)
        self.assertNotIn("alpha-test", first)
        self.assertIn('href="/my/apps/page/2?sortby=name', first)
        self.assertIn("alpha-test", second)
        self.assertNotIn("alpha-prod", second)

    def test_list_needs_login(self):
        response = self._get("/my/apps")
        self.assertRedirectsTo(response, "/web/login")

    def test_detail(self):
        self._login(self.user_a)
        response = self._get(self.app_a.access_url)
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("alpha-prod", page)
        self.assertIn('href="https://alpha-prod.apps.example.com"', page)
        self.assertIn("Running", page)
        self.assertIn("Production", page)
        self.assertIn("Odoo App", page)
        # Configuration: every key, secret values masked and never sent.
        self.assertIn("GIT_REPOS", page)
        self.assertIn("PORTAL_TEST_DB_PASSWORD", page)
        self.assertIn("••••••••", page)
        self.assertNotIn(self.secret_value, page)
        self.assertNotIn("tok-1", page)
        # The editable entries are inputs, the others text.
        self.assertIn(f'name="value_{self.entry_git_repos.id}"', page)
        self.assertIn(f'name="value_{self.entry_api_token.id}"', page)
        self.assertNotIn(f'name="value_{self.entry_revision.id}"', page)
        self.assertNotIn(f'name="value_{self.entry_db_password.id}"', page)
        # Actions, each behind a confirmation.
        self.assertIn('data-bs-target="#modal_app_restart"', page)
        self.assertIn('data-bs-target="#modal_app_redeploy"', page)
        self.assertIn('data-bs-target="#modal_app_config"', page)
        self.assertIn(f'action="/my/apps/{self.app_a.id}/redeploy"', page)
        self.assertIn('name="csrf_token"', page)
        # No subscription without the shop addon's field.
        if "subscription_id" not in self.app_a._fields:
            self.assertNotIn("Subscription", page)

    def test_detail_masks_secret_looking_keys(self):
        """A key named like a secret is secret unless told otherwise, and the
        page masks it."""
        key = self.env["kubernetes.config.key"].create(
            {"key": "PORTAL_TEST_SMTP_PASSWORD", "customer_editable": True}
        )
        self.assertTrue(key.is_secret)
        entry = self._add_entry(self.app_a, key, "smtp-never-shown")
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("PORTAL_TEST_SMTP_PASSWORD", page)
        self.assertIn(f'name="value_{entry.id}"', page)
        self.assertNotIn("smtp-never-shown", page)

    def test_detail_failed_offers_actions(self):
        self.app_a.write({"state": "failed", "last_error": "Quota exceeded"})
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Failed", page)
        self.assertIn('id="kubernetes_app_status_reason"', page)
        self.assertNotIn("Quota exceeded", page)
        self.assertIn('data-bs-target="#modal_app_redeploy"', page)

    def test_detail_suspended_offers_no_action(self):
        self.app_a.write({"state": "suspended"})
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Suspended", page)
        # Without a reason, a generic sentence; never the provisioning's own.
        self.assertIn("The app is suspended; its data is kept.", page)
        self.assertNotIn("Ready.", page)
        self.assertNotIn('data-bs-target="#modal_app_redeploy"', page)
        self.assertNotIn('id="kubernetes_app_config_form"', page)
        self.assertIn("it can be changed only when it is running or failed", page)

    def test_detail_running_shows_no_provisioning_text(self):
        self.app_a.write({"status_message": "1 of 1 replicas updated, 0 available"})
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertNotIn('id="kubernetes_app_status_reason"', page)
        self.assertNotIn("replicas updated", page)

    def test_detail_queued_offers_no_action(self):
        self.app_a.sudo().action_redeploy()
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Queued", page)
        self.assertIn("has work waiting", page)
        self.assertNotIn('data-bs-target="#modal_app_restart"', page)

    def test_detail_history(self):
        self.app_a.sudo().action_redeploy()
        # What operators and other addons write for each other.
        self.app_a.message_post(
            body="Internal: the customer is late paying",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.app_a.message_post(body="Invitation sent to anna@alpha.example")
        activity = self.app_a.activity_schedule(
            "mail.mail_activity_data_todo", summary="Check the quota of alpha"
        )
        activity.action_feedback(feedback="Quota raised to 40 GiB")
        self.app_a.message_post(
            body="Forbidden: system:serviceaccount:ops:deployer",
            subtype_xmlid="kubernetes_base.mt_app_provisioning_fault",
        )
        self._flush_tracking()
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        # The provisioning step (public subtype) and the state change.
        self.assertIn("Deploy queued.", page)
        self.assertIn("Running", page)
        self.assertIn("Queued", page)
        self.assertNotIn("late paying", page)
        self.assertNotIn("anna@alpha.example", page)
        self.assertNotIn("Check the quota", page)
        self.assertNotIn("Quota raised", page)
        self.assertNotIn("serviceaccount", page)

    def test_detail_ignores_error_from_url(self):
        self._login(self.user_a)
        page = self._get(self.app_a.access_url + "?error=Call+0900+now").text
        self.assertNotIn("Call 0900 now", page)
        page = self._get(self.app_a.access_url + "?message=bogus").text
        self.assertNotIn('id="kubernetes_app_message"', page)

    def test_detail_with_access_token(self):
        token = self.app_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self._get(f"{self.app_a.access_url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("alpha-prod", response.text)
        self.assertIn(f'name="access_token" value="{token}"', response.text)
        self.assertNotIn(self.secret_value, response.text)

    def test_detail_unknown_or_wrong_token(self):
        self.authenticate(None, None)
        response = self._get(f"{self.app_a.access_url}?access_token=wrong")
        self.assertNotFound(response)
        response = self._get(self.app_a.access_url)
        self.assertRedirectsToLogin(response, self.app_a.access_url)

        self._login(self.user_a)
        self.assertNotFound(self._get(f"/my/apps/{self.app_b.id + 100000}"))
        self.assertNotFound(self._get(self.app_b.access_url))

    def test_pages_write_nothing(self):
        """The GET pages run on a read-only cursor and write nothing, not even
        the tokens of the record pager's links."""
        for route in ("portal_my_apps", "portal_app_page"):
            routing = getattr(KubernetesAppPortal, route).original_routing
            self.assertTrue(routing["readonly"], route)
        stage = self._create_app("alpha-stage", self.namespace_a)
        test = self._create_app("alpha-test", self.namespace_a)
        self._login(self.user_a)
        # A write would be retried on a read/write cursor, with a warning.
        with self.assertNoLogs("odoo.http", "WARNING"):
            self.assertEqual(self._get("/my/apps").status_code, 200)
            response = self._get(stage.access_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.app_a.access_url, response.text)
        self.assertIn(
            f"{test.access_url}?access_token={test.access_token}", response.text
        )

    def test_the_record_pager_writes_no_missing_token(self):
        """A neighbour without a token (set to NULL by other means) is linked
        without one; the page still writes nothing."""
        stage = self._create_app("alpha-stage", self.namespace_a)
        test = self._create_app("alpha-test", self.namespace_a)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE kubernetes_app SET access_token = NULL WHERE id = %s", (test.id,)
        )
        self.env.invalidate_all()
        self._login(self.user_a)
        self._get("/my/apps")
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self._get(stage.access_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'href="{test.access_url}"', response.text)
        self.assertIn(
            f"{self.app_a.access_url}?access_token={self.app_a.access_token}",
            response.text,
        )
        test.invalidate_recordset()
        self.assertFalse(test.access_token)

    def test_every_app_has_a_token(self):
        self.assertTrue(self.app_a.access_token)
        self.assertNotEqual(self.app_a.access_token, self.app_b.access_token)

    def test_mail_link(self):
        """The share link of a mail opens the page without a login."""
        url = self.app_a._get_share_url()
        self.authenticate(None, None)
        response = self._get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("alpha-prod", response.text)

    def test_preview_from_backend(self):
        action = self.app_a.action_preview()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.app_a.access_url))
        self.assertIn("access_token=", action["url"])

    def test_subscription_values(self):
        """The subscription shows when the shop addon adds the field, and links
        to its page when the subscription portal gives it one."""
        portal = KubernetesAppPortal()
        self.assertEqual(
            portal._get_app_subscription_values(self.app_a),
            {"subscription": False, "subscription_url": False},
        )
        with_page = SimpleNamespace(
            _fields={"access_url": None}, access_url="/my/subscriptions/7"
        )
        app = SimpleNamespace(
            _fields={"subscription_id": None}, subscription_id=with_page
        )
        self.assertEqual(
            portal._get_app_subscription_values(app),
            {"subscription": with_page, "subscription_url": "/my/subscriptions/7"},
        )
        without_page = SimpleNamespace(_fields={})
        app.subscription_id = without_page
        self.assertEqual(
            portal._get_app_subscription_values(app),
            {"subscription": without_page, "subscription_url": False},
        )

    def test_detail_subscription(self):
        """With the shop addon, the page names the app's subscription, and links
        to it with the subscription portal."""
        if "subscription_id" not in self.app_a._fields:
            self.skipTest("The shop addon is not installed.")
        plan = self.env["sale.subscription.template"].create(
            {"name": "Portal test plan", "code": "KPT"}
        )
        pricelist = self.env["product.pricelist"].create({"name": "Portal test"})
        subscription = self.env["sale.subscription"].create(
            {
                "partner_id": self.customer_a.id,
                "template_id": plan.id,
                "pricelist_id": pricelist.id,
            }
        )
        self.app_a.subscription_id = subscription
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Subscription", page)
        self.assertIn(subscription.display_name, page)
        if "access_url" in subscription._fields:
            self.assertIn(f'href="{subscription.access_url}"', page)
