from odoo import models


class PaymentTransaction(models.Model):
    """A successful payment confirms its order even when an app name was
    lost meanwhile: the problem is recorded on the order line instead."""

    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        return super(
            PaymentTransaction,
            self.with_context(kubernetes_app_paid_confirmation=True),
        )._check_amount_and_confirm_order()
