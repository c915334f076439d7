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
