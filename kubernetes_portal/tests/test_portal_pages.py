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

    def test_list_shows_failure_reason(self):
        self.app_a.write({"state": "failed", "last_error": "Image pull failed"})
        self._login(self.user_a)
        response = self._get("/my/apps")
        self.assertIn("Failed", response.text)
        self.assertIn("Image pull failed", response.text)

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

    def test_detail_failed_shows_reason_and_actions(self):
        self.app_a.write({"state": "failed", "last_error": "Quota exceeded"})
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Failed", page)
        self.assertIn("Quota exceeded", page)
        self.assertIn('data-bs-target="#modal_app_redeploy"', page)

    def test_detail_suspended_shows_reason_without_actions(self):
        self.app_a.write(
            {"state": "suspended", "status_message": "Subscription closed."}
        )
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Suspended", page)
        self.assertIn("Subscription closed.", page)
        self.assertNotIn('data-bs-target="#modal_app_redeploy"', page)
        self.assertNotIn('id="kubernetes_app_config_form"', page)
        self.assertIn("it can be changed only when it is running or failed", page)

    def test_detail_queued_offers_no_action(self):
        self.app_a.sudo().action_redeploy()
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Queued", page)
        self.assertIn("has work waiting", page)
        self.assertNotIn('data-bs-target="#modal_app_restart"', page)

    def test_detail_history(self):
        self.app_a.sudo().action_redeploy()
        self.app_a.message_post(
            body="Internal: the customer is late paying",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self._flush_tracking()
        self._login(self.user_a)
        page = self._get(self.app_a.access_url).text
        self.assertIn("Deploy queued.", page)
        self.assertIn("Running", page)
        self.assertIn("Queued", page)
        self.assertNotIn("late paying", page)

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
        self.app_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self._get(f"{self.app_a.access_url}?access_token=wrong")
        self.assertRedirectsTo(response, "/my")
        response = self._get(self.app_a.access_url)
        self.assertRedirectsTo(response, "/my")

        self._login(self.user_a)
        response = self._get("/my/apps/%s" % (self.app_b.id + 100000))
        self.assertRedirectsTo(response, "/my")

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
