from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import AppShopCase

LINE_LOGGER = (
    "odoo.addons.website_sale_kubernetes_subscription_oca.models.sale_order_line"
)


@tagged("post_install", "-at_install")
class TestProvisioning(AppShopCase):
    """Confirming an order creates one app per app line, once, and queues its
    deployment without calling the cluster."""

    def test_confirmation_creates_the_app(self):
        order = self._create_order(app_names=("acme",))
        self.assertEqual(order.app_name, "acme")

        order.action_confirm()

        subscription = order.subscription_ids
        self.assertEqual(len(subscription), 1)
        app = self._apps(sale_order_id=order.id)
        self.assertEqual(len(app), 1)
        self.assertRecordValues(
            app,
            [
                {
                    "name": "acme",
                    "hostname": f"acme.{self.domain}",
                    "subscription_id": subscription.id,
                    "product_id": self.product.id,
                    "environment_id": self.env_prod.id,
                    "state": "queued",
                    "pending_action": "deploy",
                    "credentials_to_send": True,
                }
            ],
        )
        self.assertEqual(subscription.app_ids, app)
        self.assertEqual(order.kubernetes_app_count, 1)
        self.assertEqual(app.namespace_id.partner_id, self.customer)
        self.assertEqual(app.namespace_id.environment_id, self.env_prod)
        # The product's template configuration is copied, not shared.
        template = self.product.config_map_template_ids
        self.assertEqual(
            app.config_map_ids.mapped("key_id.key"), template.mapped("key_id.key")
        )
        self.assertFalse(app.config_map_ids & template)
        # Nothing reached the cluster yet: the cron does that.
        self.assertFalse(self._credentials(app))
        self.assertIn("acme", order.message_ids[0].body)

    def test_existing_namespace_is_reused(self):
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            self.customer, self.env_prod, self.company
        )
        order = self._create_order(app_names=("acme", "beta"))
        order.action_confirm()
        apps = self._apps(sale_order_id=order.id)
        self.assertEqual(len(apps), 2)
        self.assertEqual(apps.namespace_id, namespace)
        self.assertEqual(apps.subscription_id, order.subscription_ids)
        self.assertEqual(order.app_name, "acme", "the first app line names the order")

    def assertCreatesNothingMore(self, order, app):
        """Assert that the app creation step, run again on ``order``, finds
        the app of its line and leaves everything as it was."""
        with self.assertNoLogs(LINE_LOGGER, "WARNING"):
            self.assertFalse(order._create_kubernetes_apps())
        line = order.order_line
        self.assertEqual(self._apps(sale_order_id=order.id), app)
        self.assertFalse(line.kubernetes_app_error)
        self.assertEqual(line.app_name_reserved, app.name, "the name stays reserved")
        self.assertFalse(order.activity_ids)
        self.assertEqual(len(order.subscription_ids), 1)

    def test_confirming_twice_creates_one_app(self):
        order = self._create_order()
        order.action_confirm()
        app = self._apps(sale_order_id=order.id)
        # Core refuses a second confirmation before the addon sees it; a
        # second confirmation that got through (a retried request, a second
        # worker) reaches the app creation step again.
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertCreatesNothingMore(order, app)
        self.assertFalse(order.action_create_kubernetes_apps()["params"]["sticky"])
        self.assertCreatesNothingMore(order, app)

    def test_a_payment_processed_twice_creates_one_app(self):
        order = self._create_order()
        provider = self.env.ref("payment.payment_provider_demo")
        provider.write({"state": "test", "company_id": self.company.id})
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "reference": "APP-TWICE-1",
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": self.customer.id,
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        transaction._set_done()
        transaction._post_process()
        self.assertEqual(order.state, "sale")
        app = self._apps(sale_order_id=order.id)
        self.assertEqual(len(app), 1)

        # Processed again, the payment no longer confirms the order (core
        # confirms drafts only); the confirmation of a second notification
        # that raced the first one reaches the app creation step again.
        transaction.is_post_processed = False
        transaction._post_process()
        self.assertCreatesNothingMore(order, app)
        self.assertCreatesNothingMore(
            order.with_context(kubernetes_app_paid_confirmation=True), app
        )

    def test_the_subscription_names_the_salesperson(self):
        salesperson = new_test_user(
            self.env, login="app_shop_seller", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(user_id=salesperson.id)
        self._confirm_paid(order)  # by the superuser, as the payment does
        self.assertEqual(order.subscription_ids.user_id, salesperson)

        website = self.env.ref("website.default_website")
        website.salesperson_id = salesperson
        order = self._create_order(
            partner=self.other, app_names=("beta",), website_id=website.id
        )
        order.user_id = False
        self._confirm_paid(order)
        self.assertEqual(order.subscription_ids.user_id, salesperson)

    def test_retry_after_a_deleted_app_creates_nothing(self):
        order = self._create_order()
        order.action_confirm()
        app = self._apps(sale_order_id=order.id)
        self._process(app, runs=2)
        app.action_delete()
        self._process(app)
        self.assertEqual(app.state, "deleted")
        self.assertFalse(order._create_kubernetes_apps())

    def test_orders_generated_by_the_subscription(self):
        self.plan.invoicing_mode = "sale_and_invoice"
        order = self._create_order()
        order.action_confirm()
        subscription = order.subscription_ids
        app = self._apps(sale_order_id=order.id)

        subscription.generate_invoice()

        generated = subscription.sale_order_ids
        self.assertEqual(len(generated), 1)
        self.assertEqual(generated.state, "sale")
        self.assertEqual(self._apps(subscription_id=subscription.id), app)
        self.assertFalse(generated.subscription_ids, "no second subscription")
        self.assertEqual(
            self.env["sale.subscription"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    def test_manual_confirmation_refuses_unusable_names(self):
        for names, reason in (
            ((None,), "Enter a name"),
            (("admin",), "reserved"),
            (("Not_A_Label",), "not valid"),
            (("twin", "twin"), "another app of this order"),
        ):
            with self.subTest(names=names):
                order = self._create_order(app_names=names)
                with self.assertRaisesRegex(UserError, reason):
                    order.action_confirm()
                self.assertEqual(order.state, "draft")
                self.assertFalse(order.subscription_ids)
                self.assertFalse(self._apps(sale_order_id=order.id))

    def test_manual_confirmation_refuses_a_quantity_of_two(self):
        order = self._create_order()
        order.order_line.product_uom_qty = 2
        with self.assertRaisesRegex(UserError, "set its quantity to 1"):
            order.action_confirm()
        self.assertFalse(order.subscription_ids)

    def test_a_salesperson_confirms(self):
        salesperson = new_test_user(
            self.env, login="app_shop_sales", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(user_id=salesperson.id)
        order.with_user(salesperson).action_confirm()
        app = self._apps(sale_order_id=order.id)
        self.assertEqual(len(app), 1)
        self.assertEqual(app.pending_action, "deploy")

    def test_order_app_name_writes_the_first_app_line(self):
        order = self._create_order(app_names=(None, None))
        order.app_name = "  Zeta  "
        self.assertEqual(order.order_line.mapped("app_name"), ["zeta", False])
        self.assertEqual(order.app_name, "zeta")

    def test_name_of_a_line_with_an_app_stays(self):
        order = self._create_order()
        order.action_confirm()
        with self.assertRaises(UserError):
            order.order_line.app_name = "other"

    def test_provisioning_reaches_running(self):
        order = self._create_order()
        order.action_confirm()
        app = self._apps(sale_order_id=order.id)
        self._process(app)
        self.assertEqual(app.state, "deploying")
        self._process(app)
        self.assertEqual(app.state, "running")
        self.assertTrue(self._credentials(app).get("admin_password"))
