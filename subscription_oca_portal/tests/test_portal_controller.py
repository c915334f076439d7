import json
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..controllers.portal import SubscriptionPortal
from .common import SubscriptionPortalHttpCommon


@tagged("post_install", "-at_install")
class TestPortalPages(SubscriptionPortalHttpCommon):
    """Home tile, list and detail pages."""

    def test_home_counter(self):
        self._login(self.user_a)
        response = self._get("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-placeholder_count="subscription_count"', response.text)
        self.assertIn('href="/my/subscriptions"', response.text)

        result = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["subscription_count"]}
        )
        self.assertEqual(result["subscription_count"], 1)

        self._login(self.user_b)
        self.subscription_b.partner_id = self.partner_a
        result = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["subscription_count"]}
        )
        self.assertEqual(result["subscription_count"], 0)

    def test_list_needs_login(self):
        response = self._get("/my/subscriptions")
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_list_shows_own_subscriptions_only(self):
        self._login(self.user_a)
        response = self._get("/my/subscriptions")
        self.assertEqual(response.status_code, 200)
        self.assertIn("PLAN/A-0001", response.text)
        self.assertIn(self.subscription_a.access_url, response.text)
        self.assertNotIn("PLAN/B-0001", response.text)
        self.assertNotIn(self.subscription_b.access_url, response.text)

    def test_list_filters_search_and_sort(self):
        closed = self._create_subscription(self.partner_a, code="A-0002")
        closed._portal_close(self.close_reason)
        self._login(self.user_a)

        text = self._get("/my/subscriptions", filterby="closed").text
        self.assertIn("PLAN/A-0002", text)
        self.assertNotIn("PLAN/A-0001", text)

        text = self._get("/my/subscriptions", filterby="in_progress").text
        self.assertIn("PLAN/A-0001", text)
        self.assertNotIn("PLAN/A-0002", text)

        text = self._get("/my/subscriptions", search="0002", search_in="name").text
        self.assertIn("PLAN/A-0002", text)
        self.assertNotIn("PLAN/A-0001", text)

        text = self._get("/my/subscriptions", search="no-such-thing").text
        self.assertIn("No subscription matches your search.", text)

        text = self._get("/my/subscriptions", sortby="name").text
        self.assertLess(text.index("PLAN/A-0001"), text.index("PLAN/A-0002"))

        for sortby in ("date", "stage", "not-a-key"):
            response = self._get(
                "/my/subscriptions", sortby=sortby, filterby="not-a-key"
            )
            self.assertEqual(response.status_code, 200, sortby)
            self.assertIn("PLAN/A-0001", response.text)
            self.assertIn("PLAN/A-0002", response.text)

    def test_list_pager(self):
        self._create_subscription(self.partner_a, code="A-0002")
        self._login(self.user_a)
        with patch.object(CustomerPortal, "_items_per_page", 1):
            first = self._get("/my/subscriptions", sortby="name").text
            second = self._get("/my/subscriptions/page/2", sortby="name").text
        self.assertIn("PLAN/A-0001", first)
        self.assertNotIn("PLAN/A-0002", first)
        self.assertIn("/my/subscriptions/page/2", first)
        self.assertIn("PLAN/A-0002", second)
        self.assertNotIn("PLAN/A-0001", second)

    def test_empty_list(self):
        self.subscription_a.partner_id = self.partner_b
        self._login(self.user_a)
        text = self._get("/my/subscriptions").text
        self.assertIn("There are currently no subscriptions for your account.", text)

    def test_detail_page(self):
        invoice = self.subscription_a.create_invoice()
        invoice.action_post()
        self._login(self.user_a)

        response = self._get(self.subscription_a.access_url)
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn("PLAN/A-0001", text)
        self.assertIn("Monthly test plan", text)
        self.assertIn("Every 1 Month(s)", text)
        self.assertIn("Test hosting", text)
        self.assertIn("<span>2.00</span>", text)
        self.assertIn("50.00", text)
        self.assertIn('id="subscription_next_invoice"', text)
        self.assertIn(invoice.name, text)
        self.assertIn(f"/my/invoices/{invoice.id}?access_token=", text)
        self.assertIn('id="subscription_close_form"', text)
        self.assertIn(self.close_reason.name, text)
        self.assertIn('id="subscription_extra_sections"', text)

        # the invoice link opens the invoice for the customer
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_detail_lists_apps_when_the_shop_addon_is_installed(self):
        if "app_ids" not in self.env["sale.subscription"]._fields:
            self.skipTest("website_sale_kubernetes_subscription_oca is not installed")
        environment = self.env.ref("kubernetes_base.kubernetes_environment_prod")
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            self.partner_a, environment, self.env.company
        )
        app = self.env["kubernetes.app"].create(
            {
                "name": "bridge-app",
                "hostname": "bridge-app.subscriptions.example.com",
                "product_id": self.env.ref(
                    "kubernetes_base.product_product_odoo_app"
                ).id,
                "namespace_id": namespace.id,
                "environment_id": environment.id,
                "subscription_id": self.subscription_a.id,
            }
        )
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url).text
        self.assertIn('id="subscription_apps"', text)
        self.assertIn("bridge-app", text)
        self.assertIn("https://bridge-app.subscriptions.example.com", text)
        if "access_url" in app._fields:
            self.assertIn(f'href="{app.access_url}"', text)

    def test_detail_without_apps_has_no_app_section(self):
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url).text
        self.assertNotIn('id="subscription_apps"', text)

    def test_detail_hides_draft_invoices(self):
        invoice = self.subscription_a.create_invoice()
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url).text
        self.assertNotIn(f"/my/invoices/{invoice.id}", text)
        self.assertIn("No invoice has been issued for this subscription yet.", text)

    def test_detail_of_closed_subscription_has_no_form(self):
        self.subscription_a._portal_close(self.close_reason)
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url).text
        self.assertNotIn('id="subscription_close_form"', text)
        self.assertNotIn("o_subscription_close_open", text)
        self.assertIn(self.close_reason.name, text)

    def test_detail_foreign_or_unknown(self):
        self._login(self.user_b)
        self.assertRedirectsToMy(self._get(self.subscription_a.access_url))
        self.assertRedirectsToMy(self._get("/my/subscriptions/999999999"))
        self.assertRedirectsToMy(
            self._get(self.subscription_a.access_url, access_token="wrong")
        )

    def test_detail_with_access_token(self):
        token = self.subscription_a._portal_ensure_token()
        # anonymous visitor from a mail link
        response = self._get(self.subscription_a.access_url, access_token=token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("PLAN/A-0001", response.text)
        self.assertIn(f'name="access_token" value="{token}"', response.text)
        self.assertRedirectsToMy(
            self._get(self.subscription_a.access_url, access_token="wrong")
        )
        self.assertRedirectsToMy(self._get(self.subscription_a.access_url))

    def test_detail_ignores_error_from_url(self):
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url, error="Forged text").text
        self.assertNotIn("Forged text", text)

    def test_extension_hook(self):
        """Another addon adds values with the hook and a section by xpath."""
        self.env["ir.ui.view"].create(
            {
                "name": "test extra section",
                "type": "qweb",
                "inherit_id": self.env.ref(
                    "subscription_oca_portal.portal_subscription_page"
                ).id,
                "arch": """
                    <xpath expr="//div[@id='subscription_extra_sections']"
                           position="inside">
                        <section id="test_apps" t-out="test_apps"/>
                    </xpath>
                """,
            }
        )
        original = SubscriptionPortal._prepare_subscription_portal_values

        def prepare(controller, subscription_sudo, **kwargs):
            values = original(controller, subscription_sudo, **kwargs)
            values["test_apps"] = f"apps of {subscription_sudo.name}"
            return values

        self._login(self.user_a)
        with patch.object(
            SubscriptionPortal, "_prepare_subscription_portal_values", prepare
        ):
            text = self._get(self.subscription_a.access_url).text
        self.assertIn('<section id="test_apps">apps of PLAN/A-0001</section>', text)

    def _post_chatter_message(self, subscription, body, token=None):
        """Post ``body`` through the portal chatter route; return the JSON."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "thread_model": "sale.subscription",
                "thread_id": subscription.id,
                "post_data": {"body": body, "message_type": "comment"},
                "token": token,
            },
        }
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_chatter(self):
        """The customer writes through the page's chatter; others cannot."""
        self._login(self.user_a)
        text = self._get(self.subscription_a.access_url).text
        token = self.subscription_a.access_token
        self.assertIn(f'data-token="{token}"', text)
        body = self._post_chatter_message(self.subscription_a, "Hello from A", token)
        self.assertIn("result", body)
        message = self.subscription_a.message_ids.filtered(
            lambda message: "Hello from A" in message.body
        )
        self.assertEqual(message.author_id, self.user_a.partner_id)

        self._login(self.user_b)
        with mute_logger("odoo.http"):
            body = self._post_chatter_message(self.subscription_a, "Hello from B")
            self.assertIn("error", body)
            body = self._post_chatter_message(
                self.subscription_a, "Hello from B", "wrong"
            )
            self.assertIn("error", body)
        self.assertFalse(
            self.subscription_a.message_ids.filtered(
                lambda message: "Hello from B" in message.body
            )
        )

    def test_call_kw_foreign_read_refused(self):
        self._login(self.user_b)
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": "sale.subscription",
                "method": "read",
                "args": [[self.subscription_a.id], ["name", "partner_id"]],
                "kwargs": {},
            },
        }
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/sale.subscription/read",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        body = response.json()
        self.assertNotIn("result", body)
        self.assertEqual(body["error"]["data"]["name"], "odoo.exceptions.AccessError")

        # their own subscription reads fine through the same route
        payload["params"]["args"][0] = [self.subscription_b.id]
        response = self.url_open(
            "/web/dataset/call_kw/sale.subscription/read",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"][0]["name"], "PLAN/B-0001")

    def test_list_query_count_is_flat(self):
        """The list page costs as many queries for 20 records as for 1."""
        partner = self.env["res.partner"].create(
            {"name": "Customer C Ltd", "is_company": True}
        )
        user = self._create_portal_user("sub_portal_c", partner)
        self._create_subscription(partner, code="C-0001")
        self._login(user)

        def count_queries():
            # the first request warms the caches (views, rules, ...)
            self._get("/my/subscriptions")
            before = self.cr.sql_log_count
            response = self._get("/my/subscriptions")
            self.assertEqual(response.status_code, 200)
            return self.cr.sql_log_count - before, response.text

        count_one, text = count_queries()
        self.assertEqual(text.count("o_portal_subscription_row"), 1)

        plans = self.env["sale.subscription.template"].create(
            [{"name": f"Plan {index}", "code": f"P{index}"} for index in range(19)]
        )
        for index, plan in enumerate(plans):
            subscription = self._create_subscription(partner, code=f"C-1{index:03}")
            subscription.template_id = plan
            if index % 2:
                subscription._portal_close(self.close_reason)
        count_twenty, text = count_queries()
        self.assertEqual(text.count("o_portal_subscription_row"), 20)
        self.assertEqual(count_one, count_twenty)


@tagged("post_install", "-at_install")
class TestPortalClose(SubscriptionPortalHttpCommon):
    """The close action, good and bad requests."""

    def assertUnchanged(self, subscription):
        subscription.invalidate_recordset()
        self.assertTrue(subscription.in_progress)
        self.assertNotEqual(subscription.stage_id, self.closed_stage)
        self.assertFalse(subscription.close_reason_id)

    def test_close(self):
        self._login(self.user_a)
        response = self._post_close(
            self.subscription_a,
            close_reason_id=str(self.close_reason.id),
            close_comment="Found a cheaper one",
        )
        self.assertIn(response.status_code, (302, 303))
        location = response.headers["Location"]
        self.assertIn(self.subscription_a.access_url, location)
        self.assertIn("message=closed", location)

        self.subscription_a.invalidate_recordset()
        self.assertEqual(self.subscription_a.stage_id, self.closed_stage)
        self.assertEqual(self.subscription_a.close_reason_id, self.close_reason)
        note = self._close_note(self.subscription_a)
        self.assertIn("Found a cheaper one", note.body)
        self.assertEqual(note.author_id, self.user_a.partner_id)

        text = self.url_open(location).text
        self.assertIn("Your subscription has been closed.", text)
        self.assertNotIn('id="subscription_close_form"', text)

    def test_close_with_access_token(self):
        token = self.subscription_a._portal_ensure_token()
        # an anonymous visitor coming from a mail link
        self.authenticate(None, None)
        response = self._post_close(
            self.subscription_a,
            close_reason_id=str(self.close_reason.id),
            access_token=token,
        )
        self.assertIn(response.status_code, (302, 303))
        self.subscription_a.invalidate_recordset()
        self.assertEqual(self.subscription_a.stage_id, self.closed_stage)
        note = self._close_note(self.subscription_a)
        self.assertEqual(note.author_id, self.partner_a)

    def test_close_foreign_subscription(self):
        self._login(self.user_b)
        response = self._post_close(
            self.subscription_a, close_reason_id=str(self.close_reason.id)
        )
        self.assertRedirectsToMy(response)
        self.assertUnchanged(self.subscription_a)

        response = self._post_close(
            self.subscription_a,
            close_reason_id=str(self.close_reason.id),
            access_token="wrong",
        )
        self.assertRedirectsToMy(response)
        self.assertUnchanged(self.subscription_a)

        self.authenticate(None, None)
        response = self._post_close(
            self.subscription_a, close_reason_id=str(self.close_reason.id)
        )
        self.assertRedirectsToMy(response)
        self.assertUnchanged(self.subscription_a)

    def test_close_unknown_subscription(self):
        self._login(self.user_a)
        response = self.url_open(
            "/my/subscriptions/999999999/close",
            data={
                "csrf_token": self.csrf_token(),
                "close_reason_id": str(self.close_reason.id),
            },
            allow_redirects=False,
        )
        self.assertRedirectsToMy(response)

    def test_close_bad_reason(self):
        self._login(self.user_a)
        for bad in ("", "abc", "999999999", "-1"):
            response = self._post_close(self.subscription_a, close_reason_id=bad)
            self.assertEqual(response.status_code, 200, bad)
            self.assertIn('id="subscription_error"', response.text, bad)
            self.assertIn(
                "Please choose one of the proposed closing reasons.", response.text
            )
            self.assertUnchanged(self.subscription_a)
        response = self._post_close(self.subscription_a)
        self.assertIn('id="subscription_error"', response.text)
        self.assertUnchanged(self.subscription_a)

    def test_close_twice(self):
        self.subscription_a._portal_close(self.close_reason)
        other_reason = self.env.ref("subscription_oca.close_reason_other")
        self._login(self.user_a)
        response = self._post_close(
            self.subscription_a, close_reason_id=str(other_reason.id)
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Subscription PLAN/A-0001 is closed already.", response.text)
        self.subscription_a.invalidate_recordset()
        self.assertEqual(self.subscription_a.close_reason_id, self.close_reason)

    def test_close_without_csrf(self):
        self._login(self.user_a)
        with mute_logger("odoo.http"):
            response = self._post_close(
                self.subscription_a,
                csrf=False,
                close_reason_id=str(self.close_reason.id),
            )
        self.assertEqual(response.status_code, 400)
        self.assertUnchanged(self.subscription_a)

    def test_close_with_get(self):
        self._login(self.user_a)
        response = self._get(
            f"/my/subscriptions/{self.subscription_a.id}/close",
            close_reason_id=str(self.close_reason.id),
        )
        self.assertEqual(response.status_code, 405)
        self.assertUnchanged(self.subscription_a)
