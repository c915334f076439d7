from odoo import Command
from odoo.tests import tagged

from .common import SubscriptionPortalHttpCommon


@tagged("post_install", "-at_install", "is_tour")
class TestPortalTour(SubscriptionPortalHttpCommon):
    """The demo portal customer closes a subscription in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env.ref("base.demo_user0", raise_if_not_found=False)
        if not cls.portal_user:
            return
        tour_plan = cls.env["sale.subscription.template"].create(
            {"name": "Tour plan", "code": "TOUR"}
        )
        tour_product = cls.env["product.product"].create(
            {"name": "Tour hosting", "type": "service", "list_price": 10.0}
        )
        cls.tour_subscription = cls.env["sale.subscription"].create(
            {
                "partner_id": cls.portal_user.partner_id.id,
                "template_id": tour_plan.id,
                "pricelist_id": cls.pricelist.id,
                "code": "TOUR-0001",
                "sale_subscription_line_ids": [
                    Command.create({"product_id": tour_product.id})
                ],
            }
        )
        cls.tour_subscription.action_start_subscription()

    def test_tour_close_subscription(self):
        if not self.portal_user:
            self.skipTest("needs the demo portal user (demo data)")
        self.start_tour("/my", "subscription_oca_portal_tour", login="portal")

        self.tour_subscription.invalidate_recordset()
        self.assertEqual(self.tour_subscription.stage_id, self.closed_stage)
        self.assertEqual(self.tour_subscription.close_reason_id, self.close_reason)
        self.assertIn(
            "Moving to a bigger plan elsewhere",
            self._close_note(self.tour_subscription).body,
        )
