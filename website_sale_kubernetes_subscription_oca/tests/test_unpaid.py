from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import format_date

from .common import AppShopCase


@tagged("post_install", "-at_install")
class TestUnpaid(AppShopCase):
    """An invoice unpaid past its due date and the grace period suspends the
    subscription's apps; paying or cancelling it resumes them."""

    def setUp(self):
        super().setUp()
        self.company.write(
            {"kubernetes_suspend_unpaid": True, "kubernetes_unpaid_grace_days": 14}
        )
        order = self._create_order()
        order.action_confirm()
        self.subscription = order.subscription_ids
        self.app = self._apps(sale_order_id=order.id)
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.password = self._credentials(self.app)["admin_password"]
        self.today = fields.Date.context_today(self.subscription)

    def _invoice(self, days_overdue, post=True):
        """Create an invoice of the subscription due ``days_overdue`` ago."""
        invoice = self.subscription.create_invoice()
        due = self.today - timedelta(days=days_overdue)
        invoice.write(
            {
                "invoice_date": due,
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
            }
        )
        if post:
            invoice.action_post()
        self.assertEqual(invoice.invoice_date_due, due)
        return invoice

    def _check(self):
        self.env["sale.subscription"]._cron_kubernetes_check_payments()

    def _pay(self, invoice):
        wizard = Form(
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
        ).save()
        wizard.action_create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def _bodies(self, record, count=3):
        return " ".join(record.message_ids[:count].mapped("body"))

    def test_overdue_past_the_grace_period_suspends(self):
        invoice = self._invoice(days_overdue=15)
        self._check()

        self.assertTrue(self.subscription.kubernetes_payment_overdue)
        self.assertEqual(self.app.pending_action, "suspend")
        for record in (self.app, self.subscription):
            self.assertIn(
                f"Invoice {invoice.name} of subscription", self._bodies(record)
            )
            self.assertIn("suspend of app acme queued", self._bodies(record))
        self.assertEqual(
            self.app.suspend_reason,
            f"Invoice {invoice.name} is unpaid since "
            f"{format_date(self.env, invoice.invoice_date_due)}: your app runs again "
            "once it is paid.",
        )
        self._process(self.app)
        self.assertEqual(self.app.state, "suspended")
        self.assertEqual(self._credentials(self.app)["admin_password"], self.password)

        self._check()  # checked again: no new work, no new note
        self.assertFalse(self.app.pending_action)

    def test_within_the_grace_period_nothing_happens(self):
        self._invoice(days_overdue=14)
        self._check()
        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertFalse(self.app.pending_action)

    def test_draft_and_paid_invoices_do_not_count(self):
        self._invoice(days_overdue=30, post=False)
        self._pay(self._invoice(days_overdue=30))
        self._check()
        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertFalse(self.app.pending_action)

    def test_paying_resumes(self):
        invoice = self._invoice(days_overdue=20)
        self._check()
        self._process(self.app)
        self.assertEqual(self.app.state, "suspended")

        self._pay(invoice)

        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertEqual(self.app.pending_action, "resume")
        self.assertIn("are settled: resume of app acme", self._bodies(self.app))
        self._process(self.app, runs=2)
        self.assertEqual(self.app.state, "running")
        self.assertFalse(self.app.suspend_reason)
        self.assertEqual(self._credentials(self.app)["admin_password"], self.password)

    def test_a_second_overdue_invoice_keeps_the_apps_suspended(self):
        first = self._invoice(days_overdue=40)
        self._invoice(days_overdue=20)
        self._check()
        self._process(self.app)

        self._pay(first)

        self.assertTrue(self.subscription.kubernetes_payment_overdue)
        self.assertFalse(self.app.pending_action)
        self.assertEqual(self.app.state, "suspended")

    def test_cancelling_the_invoice_resumes(self):
        invoice = self._invoice(days_overdue=20)
        self._check()
        invoice.button_cancel()
        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertEqual(self.app.pending_action, "resume")

    def test_turning_the_rule_off_resumes_at_the_next_check(self):
        self._invoice(days_overdue=20)
        self._check()
        self._process(self.app)

        self.company.kubernetes_suspend_unpaid = False
        self._check()

        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertEqual(self.app.pending_action, "resume")

    def test_a_closed_subscription_stays_suspended_when_paid(self):
        invoice = self._invoice(days_overdue=20)
        self._check()
        self._process(self.app)
        self._close(self.subscription)
        self.assertFalse(self.app.pending_action, "already suspended")

        self._pay(invoice)

        self.assertFalse(self.subscription.kubernetes_payment_overdue)
        self.assertFalse(self.app.pending_action)
        self.assertEqual(self.app.state, "suspended")

    def test_the_grace_period_cannot_be_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.company.kubernetes_unpaid_grace_days = -1
