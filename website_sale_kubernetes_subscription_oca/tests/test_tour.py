from odoo.tests import tagged

from .common import AppShopHttpCase


@tagged("post_install", "-at_install")
class TestBuyAppTour(AppShopHttpCase):
    """A customer buys the demo app in a real browser; the app then runs on
    the dry-run cluster and the invitation holds its address and password."""

    domain = "shop-tour.example.com"

    def test_buy_an_app_in_the_shop(self):
        self.start_tour(
            "/shop",
            "website_sale_kubernetes_subscription_oca_buy_app",
            login=self.customer_user.login,
            timeout=180,
        )

        order = self.env["sale.order"].search(
            [("partner_id", "=", self.customer.id), ("state", "=", "sale")]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.app_name, "tour-app")
        self.assertEqual(order.get_portal_last_transaction().state, "done")
        subscription = order.subscription_ids
        self.assertEqual(len(subscription), 1)
        app = self._apps(sale_order_id=order.id)
        self.assertEqual(len(app), 1)
        self.assertEqual(
            app.state, "queued", "the checkout did not wait for the cluster"
        )

        self._process(app)  # applies the objects
        self._process(app)  # sees the rollout ready on the dry run

        self.assertEqual(app.state, "running")
        self.assertEqual(app.subscription_id, subscription)
        self.assertEqual(subscription.app_ids, app)
        self.assertEqual(app.url, f"https://tour-app.{self.domain}")
        invitation = self.env["mail.mail"].search(
            [("kubernetes_invitation_app_id", "=", app.id)]
        )
        self.assertEqual(len(invitation), 1)
        with self._capture_emails() as emails:
            invitation.send()
        password = self._credentials(app)["admin_password"]
        self.assertEqual(len(emails), 1)
        self.assertIn(f"https://tour-app.{self.domain}", emails[0]["body"])
        self.assertIn(password, emails[0]["body"])
        self.assertEqual(len(password), 24)

    def test_a_guest_signs_up_and_buys_an_app(self):
        self.start_tour(
            "/shop", "website_sale_kubernetes_subscription_oca_sign_up", timeout=180
        )

        user = self.env["res.users"].search(
            [("login", "=", "new.customer@shop-tour.example.com")]
        )
        self.assertEqual(len(user), 1)
        order = self.env["sale.order"].search(
            [("partner_id", "=", user.partner_id.id), ("state", "=", "sale")]
        )
        self.assertEqual(order.app_name, "new-app")
        app = self._apps(sale_order_id=order.id)
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")
        invitation = self.env["mail.mail"].search(
            [("kubernetes_invitation_app_id", "=", app.id)]
        )
        self.assertEqual(invitation.recipient_ids, user.partner_id)
        self.assertEqual(invitation.state, "outgoing", "waiting in the mail queue")
