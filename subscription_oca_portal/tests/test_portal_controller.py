import json
from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..controllers.portal import SubscriptionPortal
from .common import SubscriptionPortalHttpCommon

#: Most queries of one list page, whether it shows 1 subscription or 20.
#: Measured with every addon of the repository installed (the website adds its
#: own); fewer addons make fewer.
LIST_QUERIES = 26


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
        self.assertIn(f'href="/my/invoices/{invoice.id}"', text)
        self.assertIn('id="subscription_close_form"', text)
        self.assertIn(self.close_reason.name, text)
        self.assertIn('id="subscription_extra_sections"', text)

        # the invoice link opens the invoice for the customer
        response = self._get(f"/my/invoices/{invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_detail_invoice_link_with_token(self):
        """An invoice that has a token (it was sent by mail) is linked with
        it, so that a visitor coming with the subscription's token opens it."""
        invoice = self.subscription_a.create_invoice()
        invoice.action_post()
        token = invoice._portal_ensure_token()
        response = self._get(
            self.subscription_a.access_url,
            access_token=self.subscription_a.access_token,
        )
        self.assertIn(
            f'href="/my/invoices/{invoice.id}?access_token={token}"', response.text
        )

    def test_detail_writes_nothing(self):
        """The page runs on a read-only cursor and writes nothing: neither the
        tokens of its invoices and chatter nor those of the record pager."""
        routing = SubscriptionPortal.portal_subscription_page.original_routing
        self.assertTrue(routing["readonly"])
        invoice = self.subscription_a.create_invoice()
        invoice.action_post()
        self._create_subscription(self.partner_a, code="A-0002")
        self._create_subscription(self.partner_a, code="A-0003")
        self._login(self.user_a)
        # A write would be retried on a read/write cursor, with a warning.
        with self.assertNoLogs("odoo.http", "WARNING"):
            self._get("/my/subscriptions", sortby="name")
            response = self._get(self.subscription_a.access_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)
        self.assertIn(f'data-token="{self.subscription_a.access_token}"', response.text)
        self.assertFalse(invoice.access_token)

    def test_the_page_writes_no_missing_token(self):
        """A subscription without a token (set to NULL by other means), shown
        or linked by the record pager, is given none by the page."""
        second = self._create_subscription(self.partner_a, code="A-0002")
        third = self._create_subscription(self.partner_a, code="A-0003")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_subscription SET access_token = NULL WHERE id IN %s",
            ((second.id, third.id),),
        )
        self.env.invalidate_all()
        self._login(self.user_a)
        self._get("/my/subscriptions", sortby="name")
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self._get(second.access_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'href="{third.access_url}"', response.text)
        self.assertIn(
            f"{self.subscription_a.access_url}?access_token="
            f"{self.subscription_a.access_token}",
            response.text,
        )
        (second | third).invalidate_recordset()
        self.assertFalse(second.access_token)
        self.assertFalse(third.access_token)

    def test_every_subscription_has_a_token(self):
        self.assertTrue(self.subscription_a.access_token)
        self.assertNotEqual(
            self.subscription_a.access_token, self.subscription_b.access_token
        )
        copy = self.subscription_a.copy()
        self.assertTrue(copy.access_token)
        self.assertNotEqual(copy.access_token, self.subscription_a.access_token)

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
        self.assertNotFound(self._get(self.subscription_a.access_url))
        self.assertNotFound(self._get("/my/subscriptions/999999999"))
        self.assertNotFound(
            self._get(self.subscription_a.access_url, access_token="wrong")
        )
        self.assertNotFound(
            self._get(
                self.subscription_a.access_url,
                access_token=self.subscription_b.access_token,
            )
        )

    def test_detail_with_access_token(self):
        token = self.subscription_a._portal_ensure_token()
        # anonymous visitor from a mail link
        response = self._get(self.subscription_a.access_url, access_token=token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("PLAN/A-0001", response.text)
        self.assertIn(f'name="access_token" value="{token}"', response.text)
        self.assertNotFound(
            self._get(self.subscription_a.access_url, access_token="wrong")
        )
        self.assertRedirectsToLogin(
            self._get(self.subscription_a.access_url), self.subscription_a.access_url
        )
        self.assertRedirectsToLogin(
            self._get("/my/subscriptions/999999999"), "/my/subscriptions/999999999"
        )

    def test_list_for_an_employee_without_sales_rights(self):
        employee = new_test_user(
            self.env, login="sub_portal_employee", groups="base.group_user"
        )
        self.assertFalse(
            self.env["sale.subscription"].with_user(employee).has_access("read")
        )
        self.authenticate(employee.login, employee.login)
        response = self._get("/my/subscriptions")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "There are currently no subscriptions for your account.", response.text
        )
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["subscription_count"]}
        )
        self.assertEqual(counters["subscription_count"], 0)

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

    def _call_kw(self, model, method, args, kwargs=None):
        """Call ``method`` of ``model`` through ``/web/dataset/call_kw``.

        :return: the decoded JSON-RPC answer (``result`` or ``error``)
        """
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        }
        with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return response.json()

    def assertRpcDenied(self, model, method, args, kwargs=None):
        body = self._call_kw(model, method, args, kwargs)
        self.assertNotIn("result", body)
        self.assertEqual(body["error"]["data"]["name"], "odoo.exceptions.AccessError")

    def test_call_kw_foreign_read_refused(self):
        self._login(self.user_b)
        self.assertRpcDenied(
            "sale.subscription", "read", [[self.subscription_a.id], ["name"]]
        )
        lines_a = self.subscription_a.sale_subscription_line_ids
        self.assertRpcDenied(
            "sale.subscription.line", "read", [lines_a.ids, ["name", "price_unit"]]
        )
        found = self._call_kw("sale.subscription.line", "search", [[]])["result"]
        self.assertEqual(found, self.subscription_b.sale_subscription_line_ids.ids)

        # their own subscription reads fine through the same route
        body = self._call_kw(
            "sale.subscription", "read", [[self.subscription_b.id], ["name"]]
        )
        self.assertEqual(body["result"][0]["name"], "PLAN/B-0001")

    def test_call_kw_foreign_messages_refused(self):
        message = self.subscription_a.message_post(
            body="Hello A", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self._login(self.user_b)
        body = self._call_kw(
            "mail.message",
            "search_read",
            [
                [
                    ("model", "=", "sale.subscription"),
                    ("res_id", "=", self.subscription_a.id),
                ]
            ],
            {"fields": ["body"]},
        )
        self.assertEqual(body["result"], [])
        self.assertRpcDenied("mail.message", "read", [[message.id], ["body"]])

    def test_call_kw_internal_messages_of_own_subscription_refused(self):
        """Notes posted by code are notifications of an internal subtype: the
        customer neither finds nor reads them, though the subscription is
        theirs."""
        public = self.subscription_a.message_post(
            body="Hello A", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        note = self.subscription_a.message_post(body="Invoice INV/1 unpaid")
        self.assertEqual(note.message_type, "notification")
        self._login(self.user_a)
        body = self._call_kw(
            "mail.message",
            "search_read",
            [
                [
                    ("model", "=", "sale.subscription"),
                    ("res_id", "=", self.subscription_a.id),
                ]
            ],
            {"fields": ["body"]},
        )
        self.assertEqual([message["id"] for message in body["result"]], [public.id])
        body = self._call_kw("mail.message", "read", [[public.id], ["body"]])
        self.assertIn("Hello A", body["result"][0]["body"])
        self.assertRpcDenied("mail.message", "read", [[note.id], ["body"]])


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

    def _assert_close_not_found(self, subscription, **data):
        """POST the close form of ``subscription`` with ``data``: 404, or 400
        without a CSRF token; nothing changes."""
        reason = str(self.close_reason.id)
        response = self._post_close(subscription, close_reason_id=reason, **data)
        self.assertNotFound(response)
        with mute_logger("odoo.http"):
            response = self._post_close(
                subscription, csrf=False, close_reason_id=reason, **data
            )
        self.assertEqual(response.status_code, 400)
        if subscription.exists():
            self.assertUnchanged(subscription)

    def test_close_foreign_subscription(self):
        self._login(self.user_b)
        self._assert_close_not_found(self.subscription_a)
        self._assert_close_not_found(self.subscription_a, access_token="wrong")
        self._assert_close_not_found(
            self.subscription_a, access_token=self.subscription_b.access_token
        )

        self.authenticate(None, None)
        self._assert_close_not_found(self.subscription_a, access_token="wrong")
        response = self._post_close(
            self.subscription_a, close_reason_id=str(self.close_reason.id)
        )
        self.assertRedirectsToLogin(response, self.subscription_a.access_url)
        self.assertUnchanged(self.subscription_a)

    def test_close_unknown_subscription(self):
        self._login(self.user_a)
        self._assert_close_not_found(self.env["sale.subscription"].browse(999999999))

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


@tagged("post_install", "-at_install", "is_query_count")
class TestPortalQueries(SubscriptionPortalHttpCommon):
    """The list page costs the same number of queries for 1 record or 20."""

    def test_list_query_count_is_flat(self):
        """The list page costs as many queries for 20 records as for 1."""
        partner = self.env["res.partner"].create(
            {"name": "Customer C Ltd", "is_company": True}
        )
        user = self._create_portal_user("sub_portal_c", partner)
        self._create_subscription(partner, code="C-0001")
        self._login(user)

        def count_queries():
            # the first requests warm the caches (views, rules, ...)
            self._get("/my/subscriptions")
            self._get("/my/subscriptions")
            with self.assertQueryCount(LIST_QUERIES):
                before = self.cr.sql_log_count
                response = self._get("/my/subscriptions")
                count = self.cr.sql_log_count - before
            self.assertEqual(response.status_code, 200)
            return count, response.text

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
