from odoo import models


class AccountMove(models.Model):
    """A subscription invoice that gets paid or cancelled lets the apps of its
    subscription run again, without waiting for the daily check."""

    _inherit = "account.move"

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._get_kubernetes_subscriptions()._kubernetes_update_payment_state()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._get_kubernetes_subscriptions()._kubernetes_update_payment_state()
        return res

    def _get_kubernetes_subscriptions(self):
        """Return the overdue subscriptions these invoices may settle."""
        subscriptions = (
            self.subscription_id
            | self.line_ids.sale_line_ids.order_id.order_subscription_id
            | self.line_ids.sale_line_ids.order_id.subscription_ids
        )
        return subscriptions.sudo().filtered("kubernetes_payment_overdue")
