from odoo.tests import tagged

from .common import AppShopCase


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
        self.assertEqual(
            self.subscription.close_reason_id,
            self.env.ref(
                "website_sale_kubernetes_subscription_oca.close_reason_order_cancelled"
            ),
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
