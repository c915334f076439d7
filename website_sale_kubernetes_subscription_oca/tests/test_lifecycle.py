from psycopg2 import errors

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppShopCase

LINE_LOGGER = (
    "odoo.addons.website_sale_kubernetes_subscription_oca.models.sale_order_line"
)


@tagged("post_install", "-at_install")
class TestLifecycle(AppShopCase):
    """The app follows its subscription: closed suspends it with its data
    kept, reopened resumes it, whatever path changed the stage."""

    def setUp(self):
        super().setUp()
        order = self._create_order()
        order.action_confirm()
        self.subscription = order.subscription_ids
        self.app = self._apps(sale_order_id=order.id)
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.password = self._credentials(self.app)["admin_password"]

    def _last_bodies(self, record, count=3):
        return " ".join(record.message_ids[:count].mapped("body"))

    def test_closing_suspends_and_reopening_resumes(self):
        self._close(self.subscription)

        self.assertEqual(self.app.pending_action, "suspend")
        self.assertIn("is closed: suspend", self._last_bodies(self.app))
        self.assertIn("is closed: suspend", self._last_bodies(self.subscription))
        self._process(self.app)
        self.assertEqual(self.app.state, "suspended")
        self.assertEqual(
            self._credentials(self.app)["admin_password"], self.password, "data kept"
        )

        self.subscription.action_start_subscription()

        self.assertEqual(self.app.pending_action, "resume")
        self.assertIn("running again", self._last_bodies(self.subscription))
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.assertEqual(self._credentials(self.app)["admin_password"], self.password)

    def test_a_kanban_move_to_the_closed_stage_suspends(self):
        self.subscription.write({"stage_id": self.closed_stage.id})
        self.assertEqual(self.app.pending_action, "suspend")
        self.assertEqual(
            len(
                self.subscription.message_ids.filtered(
                    lambda m: "is closed: suspend" in (m.body or "")
                )
            ),
            1,
            "one note, however many writes subscription_oca makes",
        )

    def test_archiving_suspends(self):
        self.subscription.active = False
        self.assertEqual(self.app.pending_action, "suspend")

    def test_a_reopening_before_the_suspend_ran_resumes(self):
        self._close(self.subscription)
        self.subscription.write({"stage_id": self.in_progress_stage.id})
        self.assertEqual(self.app.pending_action, "resume")
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")

    def test_apps_that_cannot_move_are_skipped_without_failing(self):
        draft = self.env["kubernetes.app"].create(
            {
                "name": "drafty",
                "product_id": self.product.id,
                "namespace_id": self.app.namespace_id.id,
                "environment_id": self.env_prod.id,
                "subscription_id": self.subscription.id,
            }
        )
        self._close(self.subscription)
        self._process(self.app)

        self.assertEqual(draft.state, "draft")
        self.assertFalse(draft.pending_action)
        self.assertIn("nothing to suspend", self._last_bodies(self.subscription, 4))

        self._close(self.subscription)  # closed twice: no change, no work
        self.assertFalse(self.app.pending_action)

    def test_other_changes_leave_the_apps_alone(self):
        self.subscription.write({"description": "A note"})
        self.assertFalse(self.app.pending_action)

    def test_deleting_the_app_removes_its_objects_and_frees_the_name(self):
        self.app.action_delete()
        self._process(self.app)

        self.assertEqual(self.app.state, "deleted")
        self.assertFalse(self._credentials(self.app), "the Secret is gone")
        self.assertFalse(self.app.sale_line_id.app_name_reserved)
        order = self._create_order(self.other, app_names=("acme",))
        self.assertFalse(order.order_line._reserve_app_names())

        self._close(self.subscription)  # nothing left to suspend
        self.assertEqual(self.app.state, "deleted")
        self.assertFalse(self.app.pending_action)

    def _bodies(self, record):
        return " ".join(record.message_ids.mapped("body"))

    def test_the_customer_reads_why_the_app_is_suspended(self):
        self._close(self.subscription)
        self.assertEqual(
            self.app.suspend_reason,
            f"Your subscription {self.subscription.display_name} is closed; the "
            "data of your app is kept.",
        )
        self._process(self.app)
        self.assertTrue(self.app.suspend_reason, "kept while suspended")

        self.subscription.action_start_subscription()
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.assertFalse(self.app.suspend_reason)

    def test_the_subscription_hears_of_each_step(self):
        self.assertIn(
            f"App acme is running at {self.app.url}", self._bodies(self.subscription)
        )

        self._close(self.subscription)
        self._process(self.app)
        self.assertIn(
            "App acme is suspended: scaled to zero, its data is kept.",
            self._last_bodies(self.subscription, 1),
        )

        self.subscription.action_start_subscription()
        self._process(self.app, runs=2)
        self.assertIn(
            f"App acme is running at {self.app.url}",
            self._last_bodies(self.subscription, 1),
        )

        self.app.action_delete()
        self._process(self.app)
        self.assertIn(
            "App acme was removed from the cluster.",
            self._last_bodies(self.subscription, 1),
        )

    def test_cancelling_the_order_suspends_and_confirming_it_again_resumes(self):
        order = self.app.sale_order_id
        order.with_context(disable_cancel_warning=True).action_cancel()

        self.assertEqual(self.subscription.stage_id, self.closed_stage)
        self.assertFalse(self.subscription.close_reason_id, "the notes say why")
        self.assertIn(
            f"Subscription {self.subscription.display_name} closed: the order is "
            "cancelled.",
            self._bodies(order),
        )
        self.assertEqual(self.app.pending_action, "suspend")
        self.assertIn(f"Your order {order.name} was cancelled", self.app.suspend_reason)
        self.assertIn(f"Order {order.name} is cancelled", self._bodies(self.app))
        self._process(self.app)
        self.assertEqual(self.app.state, "suspended")

        order.action_draft()
        order.action_confirm()

        renewed = order.subscription_ids - self.subscription
        self.assertEqual(len(renewed), 1)
        self.assertTrue(renewed.in_progress)
        self.assertEqual(self._apps(sale_order_id=order.id), self.app, "no second app")
        self.assertEqual(self.app.subscription_id, renewed)
        self.assertEqual(renewed.app_ids, self.app)
        self.assertFalse(self.subscription.app_ids)
        for record in (self.subscription, renewed, self.app, order):
            self.assertIn(
                f"moves from subscription {self.subscription.display_name} to "
                f"{renewed.display_name}",
                self._bodies(record),
            )
        self.assertEqual(self.app.pending_action, "resume")
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.assertEqual(self._credentials(self.app)["admin_password"], self.password)

        # Confirmed again without a cancel in between: nothing moves.
        self.assertFalse(order._create_kubernetes_apps())
        self.assertEqual(self.app.subscription_id, renewed)

    def test_a_cancel_before_the_suspend_ran_is_undone_by_the_confirmation(self):
        order = self.app.sale_order_id
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(self.app.pending_action, "resume")
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.assertEqual(self.app.subscription_id.stage_id, self.in_progress_stage)

    def _cancel_and_delete(self):
        """Cancel the app's order and delete the suspended app; returns the
        order."""
        order = self.app.sale_order_id
        order.with_context(disable_cancel_warning=True).action_cancel()
        self._process(self.app)
        self.app.action_delete()
        self._process(self.app)
        self.assertEqual(self.app.state, "deleted")
        return order

    def test_a_cancelled_order_whose_app_was_deleted_gets_a_new_app(self):
        order = self._cancel_and_delete()
        line = order.order_line
        self.assertFalse(line.has_kubernetes_app)

        order.action_draft()
        order.action_confirm()

        renewed = order.subscription_ids - self.subscription
        app = line._get_kubernetes_app()
        self.assertTrue(app)
        self.assertNotEqual(app, self.app)
        self.assertEqual((app.name, app.subscription_id), ("acme", renewed))
        self.assertEqual((app.state, app.pending_action), ("queued", "deploy"))
        self.assertTrue(line.has_kubernetes_app)
        self.assertFalse(line.kubernetes_app_error)
        self.assertEqual(self.app.state, "deleted")
        self.assertEqual(self.app.subscription_id, self.subscription, "not moved")
        self.assertEqual(self._apps(sale_order_id=order.id), self.app | app)
        self.assertFalse(order._create_kubernetes_apps(), "no third app")

    def test_a_cancelled_order_whose_name_was_taken_asks_for_another(self):
        order = self._cancel_and_delete()
        taker = self._create_order(self.other, app_names=("acme",))
        taker.action_confirm()

        order.action_draft()
        with mute_logger(LINE_LOGGER):
            self._confirm_paid(order)

        line = order.order_line
        self.assertIn("already taken", line.kubernetes_app_error)
        self.assertTrue(line._needs_new_app_name())
        app = line._rename_and_create_app("acme-two")
        self.assertEqual(app.name, "acme-two")
        self.assertEqual(
            app.subscription_id, order.subscription_ids - self.subscription
        )
        self.assertFalse(line.kubernetes_app_error)

    def test_an_order_line_has_one_app_that_is_not_deleted(self):
        line = self.app.sale_line_id
        vals = {
            "name": "acme-bis",
            "product_id": self.product.id,
            "namespace_id": self.app.namespace_id.id,
            "environment_id": self.env_prod.id,
            "sale_line_id": line.id,
        }
        with (
            self.assertRaises(errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["kubernetes.app"].create(vals)

        self.app.action_delete()
        self._process(self.app)
        self.assertEqual(self.env["kubernetes.app"].create(vals).sale_line_id, line)

    def test_cancelling_closes_only_the_subscriptions_of_the_apps(self):
        support_plan = self.env["sale.subscription.template"].create(
            {"name": "Support test plan", "code": "SUPTEST"}
        )
        support = self.env["product.product"].create(
            {
                "name": "Support",
                "type": "service",
                "subscribable": True,
                "subscription_template_id": support_plan.id,
                "taxes_id": [Command.clear()],
            }
        )
        order = self._create_order(app_names=("beta",))
        order.order_line = [
            Command.create({"product_id": support.id, "product_uom_qty": 1})
        ]
        order.action_confirm()
        app = self._apps(sale_order_id=order.id)
        support_subscription = order.subscription_ids - app.subscription_id
        self.assertEqual(support_subscription.template_id, support_plan)

        order.with_context(disable_cancel_warning=True).action_cancel()

        self.assertEqual(app.subscription_id.stage_id, self.closed_stage)
        self.assertEqual(app.pending_action, "suspend")
        self.assertTrue(support_subscription.in_progress)
        self.assertNotIn(support_subscription.display_name, self._bodies(order))
