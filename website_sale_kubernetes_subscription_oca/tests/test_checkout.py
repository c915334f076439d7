from odoo import http
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppShopHttpCase


@tagged("post_install", "-at_install")
class TestCheckout(AppShopHttpCase):
    """The checkout of an app: sign-in, the app name step and its live check,
    and the checks no request can skip."""

    def _start_checkout(self, user=None):
        """Sign in as ``user`` (default: the customer) with the app in the
        cart; return the cart's app line."""
        user = user or self.customer_user
        self._login(user)
        self._add_to_cart()
        order = self._cart(user.partner_id)
        self.assertEqual(len(order.order_line), 1)
        return order.order_line

    def test_a_guest_is_sent_to_sign_in_and_back_to_the_cart(self):
        self.authenticate(None, None)
        self._add_to_cart()
        public_partner = self.website.user_id.partner_id
        order = self._cart(public_partner)
        self.assertTrue(order._get_kubernetes_app_lines())

        for path in (
            "/shop/checkout",
            "/shop/confirm_order",
            "/shop/app_name",
            "/shop/payment",
        ):
            with self.subTest(path=path):
                response = self.url_open(path, allow_redirects=False)
                self.assertRedirectsTo(response, "/web/login?redirect=/shop/cart")
        page = self.url_open("/shop/cart").text
        self.assertIn("o_kubernetes_login_required", page)
        self.assertIn("/web/signup?redirect=/shop/cart", page)
        with self.assertRaisesRegex(ValidationError, "Sign in"):
            order._check_cart_is_ready_to_be_paid()

        response = self.url_open(
            "/web/login",
            data={
                "login": self.customer_user.login,
                "password": self.customer_user.login,
                "redirect": "/shop/cart",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertRedirectsTo(response, "/shop/cart")
        # Follow the session the login rotated to, as a browser does.
        self.opener.cookies.clear()
        self.opener.cookies["session_id"] = response.cookies["session_id"]
        page = self.url_open("/shop/cart").text
        self.assertNotIn("o_kubernetes_login_required", page)
        self.assertIn("Odoo App", page)
        self.assertEqual(order.partner_id, self.customer, "the cart came along")

    def test_the_live_check_tells_the_address_or_the_reason(self):
        line = self._start_checkout()
        self.env["kubernetes.app"].create(
            {
                "name": "taken-one",
                "product_id": self.product.id,
                "namespace_id": self.env["kubernetes.namespace"]
                ._get_or_create(self.other, self.env_prod, self.company)
                .id,
                "environment_id": self.env_prod.id,
            }
        )
        for name, valid, expected in (
            (" Acme ", True, f"acme.{self.domain}"),
            ("my_app", False, "is not valid"),
            ("a" * 54, False, "is too long"),
            ("admin", False, "is reserved"),
            ("taken-one", False, "already taken"),
            ("", False, "Enter a name"),
        ):
            with self.subTest(name=name):
                result = self._json("/shop/app_name/check", name=name, line_id=line.id)
                self.assertEqual(result["valid"], valid)
                self.assertIn(expected, result["message"])
        result = self._json("/shop/app_name/check", name="Acme", line_id=line.id)
        self.assertEqual(result["hostname"], f"acme.{self.domain}")
        self.assertEqual(result["name"], "acme")
        self.assertFalse(line.app_name_reserved, "checking reserves nothing")

    def test_the_app_name_step_comes_before_payment(self):
        line = self._start_checkout()

        response = self.url_open(
            "/shop/checkout?try_skip_step=true", allow_redirects=False
        )
        self.assertRedirectsTo(response, "/shop/confirm_order")
        response = self.url_open("/shop/confirm_order", allow_redirects=False)
        self.assertRedirectsTo(response, "/shop/app_name")
        page = self.url_open("/shop/app_name").text
        self.assertIn(f'name="app_name_{line.id}"', page)
        self.assertIn("o_kubernetes_app_name_form", page)
        for path in ("/shop/payment", "/shop/extra_info"):
            response = self.url_open(path, allow_redirects=False)
            self.assertRedirectsTo(response, "/shop/app_name")

        # A refused name comes back with its reason and reserves nothing.
        page = self.url_open(
            "/shop/app_name/submit",
            data={
                f"app_name_{line.id}": "admin",
                "csrf_token": http.Request.csrf_token(self),
            },
        ).text
        self.assertIn("is reserved", page)
        self.assertFalse(line.app_name_reserved)

        response = self.url_open(
            "/shop/app_name/submit",
            data={
                f"app_name_{line.id}": "Acme",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertRedirectsTo(response, "/shop/payment")
        self.assertEqual(line.app_name, "acme")
        self.assertEqual(line.app_name_reserved, "acme")
        self.assertEqual(line.order_id.app_name, "acme")
        response = self.url_open("/shop/payment", allow_redirects=False)
        self.assertEqual(response.status_code, 200)

    def test_a_name_taken_by_another_cart_is_refused_on_submit(self):
        other_line = self._start_checkout(self.other_user)
        other_line.app_name = "acme"
        self.assertFalse(other_line._reserve_app_names())

        line = self._start_checkout()
        page = self.url_open(
            "/shop/app_name/submit",
            data={
                f"app_name_{line.id}": "acme",
                "csrf_token": http.Request.csrf_token(self),
            },
        ).text
        self.assertIn("already taken", page)
        self.assertFalse(line.app_name_reserved)

    def test_payment_is_refused_without_a_usable_name(self):
        line = self._start_checkout()
        order = line.order_id
        with self.assertRaisesRegex(ValidationError, "Enter a name"):
            order._check_cart_is_ready_to_be_paid()

        line.app_name = "acme"
        order._check_cart_is_ready_to_be_paid()
        self.assertEqual(line.app_name_reserved, "acme")

    def test_an_app_line_holds_one_app(self):
        line = self._start_checkout()
        self._add_to_cart()
        self.assertEqual(line.product_uom_qty, 1)

    # -- guests ---------------------------------------------------------------

    def _guest_cart(self):
        """Put the app in a guest's cart; return the cart."""
        self.authenticate(None, None)
        self._add_to_cart()
        order = self._cart(self.website.user_id.partner_id)
        self.assertTrue(order._get_kubernetes_app_lines())
        return order

    def _pay(self, route, order):
        """Start a payment of ``order`` through the JSON ``route``; return
        the answer."""
        with mute_logger("odoo.http"):
            return self._json_response(
                route,
                access_token=order._portal_ensure_token(),
                provider_id=self.provider.id,
                payment_method_id=self.env.ref("payment_demo.payment_method_demo").id,
                token_id=None,
                amount=order.amount_total,
                flow="direct",
                tokenization_requested=False,
                landing_route="/shop/payment/validate",
            )

    def test_a_guest_with_an_address_cannot_pay(self):
        # The guest gave an address before the app came into the cart: the
        # cart has a customer of its own, without an account.
        order = self._guest_cart()
        order.partner_id = self.env["res.partner"].create(
            {
                "name": "Guest Shopper",
                "email": "guest@customer.example.com",
                "street": "Seestrasse 2",
                "city": "Zürich",
                "zip": "8002",
                "country_id": self.env.ref("base.ch").id,
            }
        )
        line = order.order_line
        line.app_name = "guest-app"

        for route in (
            f"/shop/payment/transaction/{order.id}",
            f"/my/orders/{order.id}/transaction",
        ):
            with self.subTest(route=route):
                answer = self._pay(route, order)
                self.assertIn(
                    "Sign in to buy an app", answer["error"]["data"]["message"]
                )
        self.assertFalse(order.transaction_ids)
        self.assertFalse(line.app_name_reserved)
        # Outside a request too: the customer has no account.
        with self.assertRaisesRegex(ValidationError, "Sign in"):
            order._check_cart_is_ready_to_be_paid()

    def test_express_checkout_is_refused_for_apps(self):
        order = self._guest_cart()
        public_partner = order.partner_id
        with mute_logger("odoo.http"):
            answer = self._json_response(
                "/shop/express_checkout",
                billing_address={
                    "name": "Express Guest",
                    "email": "express@customer.example.com",
                    "street": "Seestrasse 2",
                    "city": "Zürich",
                    "zip": "8002",
                    "country": "CH",
                },
            )
        self.assertIn(
            "Express checkout is not available for apps",
            answer["error"]["data"]["message"],
        )
        self.assertEqual(order.partner_id, public_partner, "the cart is unchanged")
        self.assertFalse(
            self.env["res.partner"].search(
                [("email", "=", "express@customer.example.com")]
            )
        )

    def test_a_signed_in_customer_pays(self):
        line = self._start_checkout()
        line.app_name = "paid-app"
        order = line.order_id
        answer = self._pay(f"/shop/payment/transaction/{order.id}", order)
        self.assertIn("result", answer, answer.get("error"))
        self.assertEqual(line.app_name_reserved, "paid-app")

    # -- the name check -------------------------------------------------------

    def test_the_live_check_refuses_a_name_that_is_no_text(self):
        line = self._start_checkout()
        for name in (123, ["acme"], {"name": "acme"}, None, True):
            with self.subTest(name=name):
                result = self._json("/shop/app_name/check", name=name, line_id=line.id)
                self.assertFalse(result["valid"])
                self.assertIn("Enter a name", result["message"])
                result = self._json("/shop/app_name/check", name=name)
                self.assertIn("Enter a name", result["message"])

    def test_without_a_domain_the_shop_sells_no_app(self):
        line = self._start_checkout()
        self.company.kubernetes_domain = False
        for params in ({"line_id": line.id}, {}):
            with self.subTest(params=params):
                result = self._json("/shop/app_name/check", name="acme", **params)
                self.assertFalse(result["valid"])
                self.assertIn("cannot be ordered yet", result["message"])
        line.app_name = "acme"
        with self.assertRaisesRegex(ValidationError, "cannot be ordered yet"):
            line.order_id._check_cart_is_ready_to_be_paid()
        self.assertFalse(line.app_name_reserved)

    def test_a_host_name_set_by_hand_takes_the_name(self):
        line = self._start_checkout()
        self.env["kubernetes.app"].create(
            {
                "name": "custom",
                "hostname": f"acme.{self.domain}",
                "product_id": self.product.id,
                "namespace_id": self.env["kubernetes.namespace"]
                ._get_or_create(self.other, self.env_prod, self.company)
                .id,
                "environment_id": self.env_prod.id,
            }
        )
        result = self._json("/shop/app_name/check", name="acme", line_id=line.id)
        self.assertFalse(result["valid"])
        self.assertIn("already taken", result["message"])
        line.app_name = "acme"
        with self.assertRaisesRegex(ValidationError, "already taken"):
            line.order_id._check_cart_is_ready_to_be_paid()
        self.assertFalse(line.app_name_reserved)

    def test_a_refused_name_keeps_the_name_reserved_before(self):
        line = self._start_checkout()
        submit = {"csrf_token": http.Request.csrf_token(self)}
        response = self.url_open(
            "/shop/app_name/submit",
            data=dict(submit, **{f"app_name_{line.id}": "acme"}),
            allow_redirects=False,
        )
        self.assertRedirectsTo(response, "/shop/payment")
        self.assertEqual(line.app_name_reserved, "acme")

        page = self.url_open(
            "/shop/app_name/submit",
            data=dict(submit, **{f"app_name_{line.id}": "Admin"}),
        ).text

        self.assertIn("is reserved", page)
        self.assertIn('value="Admin"', page, "the page shows what was typed")
        self.assertEqual(line.app_name, "acme")
        self.assertEqual(line.app_name_reserved, "acme")
