from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SubscriptionPortalCommon


@tagged("post_install", "-at_install")
class TestSaleSubscriptionPortal(SubscriptionPortalCommon):
    """Portal mixin, record rules and the close flow at ORM level."""

    def test_access_url(self):
        self.assertEqual(
            self.subscription_a.access_url,
            f"/my/subscriptions/{self.subscription_a.id}",
        )
        url = self.subscription_a.get_portal_url()
        self.assertTrue(self.subscription_a.access_token)
        self.assertIn(f"access_token={self.subscription_a.access_token}", url)

    def test_portal_user_sees_only_own_subscriptions(self):
        Subscription = self.env["sale.subscription"].with_user(self.user_a)
        self.assertEqual(Subscription.search([]), self.subscription_a)
        self.assertEqual(
            self.subscription_a.with_user(self.user_a).read(["name"])[0]["name"],
            "PLAN/A-0001",
        )
        lines = self.env["sale.subscription.line"].with_user(self.user_a).search([])
        self.assertEqual(lines, self.subscription_a.sale_subscription_line_ids)

    def test_colleague_sees_company_subscriptions(self):
        colleague = self._create_portal_user("sub_portal_a2", self.partner_a)
        Subscription = self.env["sale.subscription"].with_user(colleague)
        self.assertEqual(Subscription.search([]), self.subscription_a)

    def test_portal_user_cannot_read_foreign_subscription(self):
        foreign = self.subscription_a.with_user(self.user_b)
        with self.assertRaises(AccessError):
            foreign.read(["name"])
        with self.assertRaises(AccessError):
            self.subscription_a.sale_subscription_line_ids.with_user(self.user_b).read(
                ["name"]
            )

    def test_portal_user_cannot_write(self):
        with self.assertRaises(AccessError):
            self.subscription_a.with_user(self.user_a).write({"description": "x"})
        with self.assertRaises(AccessError):
            self.subscription_a.sale_subscription_line_ids.with_user(self.user_a).write(
                {"product_uom_qty": 10}
            )

    def test_portal_close(self):
        self.assertTrue(self.subscription_a._portal_can_close())
        self.subscription_a._portal_close(
            self.close_reason, comment="<b>Too</b> pricey", author=self.partner_a
        )
        self.assertEqual(self.subscription_a.stage_id, self.closed_stage)
        self.assertEqual(self.subscription_a.close_reason_id, self.close_reason)
        self.assertFalse(self.subscription_a.in_progress)
        self.assertFalse(self.subscription_a.recurring_next_date)
        self.assertFalse(self.subscription_a._portal_can_close())

        note = self._close_note(self.subscription_a)
        self.assertEqual(note.author_id, self.partner_a)
        self.assertIn(self.close_reason.name, note.body)
        self.assertIn("&lt;b&gt;Too&lt;/b&gt; pricey", note.body)
        self.assertTrue(note.subtype_id.internal)

    def test_portal_close_refused(self):
        draft = self._create_subscription(self.partner_a, start=False)
        self.assertFalse(draft._portal_can_close())
        with self.assertRaisesRegex(UserError, "not running"):
            draft._portal_close(self.close_reason)
        self.assertNotEqual(draft.stage_id, self.closed_stage)

        self.subscription_a._portal_close(self.close_reason)
        other_reason = self.env.ref("subscription_oca.close_reason_other")
        with self.assertRaisesRegex(UserError, "closed already"):
            self.subscription_a._portal_close(other_reason)
        self.assertEqual(self.subscription_a.close_reason_id, self.close_reason)

        with self.assertRaisesRegex(UserError, "reason"):
            self.subscription_b._portal_close(
                self.env["sale.subscription.close.reason"]
            )
        self.assertTrue(self.subscription_b.in_progress)
