from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..hooks import give_access_tokens, post_init_hook
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

    def test_the_message_check_reads_no_message_body(self):
        """The check that keeps internal messages from portal users is one
        query: it loads no message, so no body."""
        public = self.subscription_a.message_post(
            body="Hello A", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        note = self.subscription_a.message_post(body="Invoice INV/1 unpaid")
        self.env.flush_all()
        self.env.invalidate_all()
        messages = (public | note).with_user(self.user_a)

        self.assertEqual(messages._get_forbidden_access("read"), note)
        body = messages._fields["body"]
        self.assertFalse(
            [message for message in messages if self.env.cache.contains(message, body)]
        )

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


@tagged("post_install", "-at_install")
class TestAccessTokens(SubscriptionPortalCommon):
    """Every subscription has a portal access token of its own, whether it was
    created before this addon or after."""

    def _count_missing_and_shared_tokens(self):
        """Return how many subscriptions have no token, and how many share
        theirs."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT count(*) - count(access_token),
                   count(access_token) - count(DISTINCT access_token)
            FROM sale_subscription
            """
        )
        return self.env.cr.fetchone()

    def _set_tokens(self, subscriptions, token):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_subscription SET access_token = %s WHERE id IN %s",
            (token, tuple(subscriptions.ids)),
        )
        self.env.invalidate_all()

    def test_the_installed_subscriptions_have_tokens_of_their_own(self):
        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))

    def test_the_install_gives_each_existing_subscription_its_own_token(self):
        subscriptions = (
            self.env["sale.subscription"].with_context(active_test=False).search([])
        )
        self._set_tokens(subscriptions, None)
        # What the ORM does for the rows of a table that gets the column.
        self.env["sale.subscription"]._init_column("access_token")
        self.env.invalidate_all()
        self.assertFalse(any(subscriptions.mapped("access_token")), "no default")

        post_init_hook(self.env)

        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))

    def test_shared_tokens_are_replaced(self):
        kept = self.subscription_b.access_token
        third = self._create_subscription(self.partner_a, code="A-0002")
        self._set_tokens(self.subscription_a | third, "shared")

        self.assertEqual(give_access_tokens(self.env), 2)

        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))
        self.assertNotEqual(self.subscription_a.access_token, "shared")
        self.assertEqual(self.subscription_b.access_token, kept)

    def test_a_new_subscription_gets_a_token_of_its_own(self):
        new = self._create_subscription(self.partner_a, code="A-0003")
        self.assertTrue(new.access_token)
        self.assertNotIn(
            new.access_token,
            (self.subscription_a | self.subscription_b).mapped("access_token"),
        )
        copy = new.copy()
        self.assertTrue(copy.access_token)
        self.assertNotEqual(copy.access_token, new.access_token)
