from odoo.tests import tagged

from .common import SubscriptionPortalHttpCommon


@tagged("post_install", "-at_install", "is_tour")
class TestPortalTour(SubscriptionPortalHttpCommon):
    """The demo portal customer closes their demo subscription in a real
    browser."""

    def test_tour_close_subscription(self):
        subscription = self.env.ref(
            "subscription_oca_portal.sale_subscription_demo_portal",
            raise_if_not_found=False,
        )
        if not subscription:
            self.skipTest("needs the demo data")
        self.assertTrue(subscription._portal_can_close())
        self.start_tour("/my", "subscription_oca_portal_tour", login="portal")

        subscription.invalidate_recordset()
        self.assertEqual(subscription.stage_id, self.closed_stage)
        self.assertEqual(subscription.close_reason_id, self.close_reason)
        self.assertIn(
            "Moving to a bigger plan elsewhere",
            self._close_note(subscription).body,
        )
