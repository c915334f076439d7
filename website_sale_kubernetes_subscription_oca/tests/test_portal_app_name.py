import odoo
from odoo import http
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppShopHttpCase

LINE_LOGGER = (
    "odoo.addons.website_sale_kubernetes_subscription_oca.models.sale_order_line"
)


@tagged("post_install", "-at_install")
class TestPortalAppName(AppShopHttpCase):
    """A paid order whose app name was taken meanwhile: its customer names the
    app again on the order's portal page."""

    def setUp(self):
        super().setUp()
        self.first = self._create_order(self.customer)
        self.first.action_confirm()
        self.second = self._create_order(self.other)
        with mute_logger(LINE_LOGGER):
            self._confirm_paid(self.second)
        self.line = self.second.order_line
        self.assertIn("already taken", self.line.kubernetes_app_error)

    def _url(self, order=None):
        order = order or self.second
        return f"/my/orders/{order.id}/app_name"

    def _post(self, data, order=None, csrf=True):
        """POST the naming form of ``order``; redirects are not followed."""
        order = order or self.second
        data = dict({"line_id": self.line.id}, **data)
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(self._url(order), data=data, allow_redirects=False)

    def _page(self, url=None):
        response = self.url_open(url or self.second.get_portal_url())
        self.assertEqual(response.status_code, 200)
        return response.text

    def _assert_unchanged(self):
        self.assertEqual(self.line.app_name, "acme")
        self.assertIn("already taken", self.line.kubernetes_app_error)
        self.assertFalse(self._apps(sale_order_id=self.second.id))

    def test_the_order_page_asks_for_another_name(self):
        self._login(self.other_user)
        page = self._page()
        self.assertIn('id="kubernetes_app_names"', page)
        self.assertIn("already taken", page)
        self.assertIn(f'name="app_name_{self.line.id}"', page)

        self._login(self.customer_user)
        self.assertNotIn(
            'id="kubernetes_app_names"', self._page(self.first.get_portal_url())
        )

    def test_a_new_name_creates_the_app(self):
        self._login(self.other_user)
        response = self._post({f"app_name_{self.line.id}": " Acme-Two "})

        self.assertRedirectsTo(response, f"/my/orders/{self.second.id}")
        self.assertIn("message=kubernetes_app_created", response.headers["Location"])
        app = self._apps(sale_order_id=self.second.id)
        self.assertEqual(app.name, "acme-two")
        self.assertEqual(app.subscription_id, self.second.subscription_ids)
        self.assertEqual((app.state, app.pending_action), ("queued", "deploy"))
        self.assertEqual(self.line.app_name, "acme-two")
        self.assertFalse(self.line.kubernetes_app_error)
        self.assertIn(
            "chose the app name acme-two instead of acme",
            " ".join(self.second.message_ids.mapped("preview")),
        )
        self.assertEqual(
            self.second.message_ids[:2].author_id, self.other, "the customer acted"
        )

        page = self._page(response.headers["Location"])
        self.assertIn("o_kubernetes_app_created", page)
        self.assertNotIn('id="kubernetes_app_names"', page)
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")

    def test_a_refused_name_changes_nothing_and_says_why(self):
        self._login(self.other_user)
        for typed, reason in (
            ("acme", "already taken"),
            ("9lives", "start with a letter"),
            ("www", "reserved"),
            ("", "Enter a name"),
        ):
            with self.subTest(typed=typed):
                messages = len(self.second.message_ids)
                response = self._post({f"app_name_{self.line.id}": typed})
                self.assertRedirectsTo(response, f"/my/orders/{self.second.id}")
                self._assert_unchanged()
                self.assertEqual(len(self.second.message_ids), messages)
                page = self._page(response.headers["Location"])
                self.assertIn(reason, page)
                self.assertIn("is-invalid", page)

    def test_the_typed_name_is_escaped_on_the_page(self):
        self._login(self.other_user)
        typed = '"><script>alert(1)</script>'
        response = self._post({f"app_name_{self.line.id}": typed})
        page = self._page(response.headers["Location"])
        self.assertNotIn("<script>alert(1)</script>", page)
        self._assert_unchanged()

    def test_other_customers_and_bad_tokens_are_turned_away(self):
        self._login(self.customer_user)
        response = self._post({f"app_name_{self.line.id}": "acme-two"})
        self.assertRedirectsTo(response, "/my")
        self.assertNotIn("/my/orders", response.headers["Location"])
        self.authenticate(None, None)
        data = {
            f"app_name_{self.line.id}": "acme-two",
            "access_token": "not-the-token",
        }
        response = self._post(data)
        self.assertRedirectsTo(response, "/my")
        self._assert_unchanged()

    def test_a_visitor_with_the_token_may_name_it(self):
        self.authenticate(None, None)
        data = {
            f"app_name_{self.line.id}": "acme-two",
            "access_token": self.second._portal_ensure_token(),
        }
        response = self._post(data)
        self.assertIn("message=kubernetes_app_created", response.headers["Location"])
        self.assertEqual(self._apps(sale_order_id=self.second.id).name, "acme-two")

    def test_unknown_line_and_missing_csrf_change_nothing(self):
        self._login(self.other_user)
        response = self._post(
            {"line_id": self.first.order_line.id, "app_name_0": "acme-two"}
        )
        self.assertRedirectsTo(response, f"/my/orders/{self.second.id}")
        with mute_logger("odoo.http"):
            response = self._post({f"app_name_{self.line.id}": "acme-two"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self._assert_unchanged()

    def test_only_a_line_without_its_app_is_named_again(self):
        with self.assertRaisesRegex(UserError, "needs no new app name"):
            self.first.order_line._rename_and_create_app("acme-three")
        self.assertEqual(self.first.order_line.app_name, "acme")
        self.line._rename_and_create_app("acme-two")
        with self.assertRaisesRegex(UserError, "needs no new app name"):
            self.line._rename_and_create_app("acme-three")
        self.assertEqual(self.line.app_name, "acme-two")

    def test_the_confirmation_page_links_the_order_page(self):
        self._login(self.other_user)
        self.session["sale_last_order_id"] = self.second.id
        odoo.http.root.session_store.save(self.session)
        page = self._page("/shop/confirmation")
        self.assertIn("already taken", page)
        self.assertIn(f"/my/orders/{self.second.id}", page)
        self.assertIn("#kubernetes_app_names", page)
