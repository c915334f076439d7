from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """How long a company waits for an overdue subscription invoice before
    it suspends the subscription's apps."""

    _inherit = "res.company"

    kubernetes_suspend_unpaid = fields.Boolean(
        string="Suspend Apps of Unpaid Subscriptions",
        default=True,
        help="Suspend the apps of a subscription whose invoice is still unpaid "
        "after its due date and the grace period; they resume once it is paid.",
    )
    kubernetes_unpaid_grace_days = fields.Integer(
        string="Grace Period (Days)",
        default=14,
        help="Days after an invoice's due date before the apps of its "
        "subscription are suspended.",
    )

    @api.constrains("kubernetes_unpaid_grace_days")
    def _check_kubernetes_unpaid_grace_days(self):
        for company in self:
            if company.kubernetes_unpaid_grace_days < 0:
                raise ValidationError(
                    _(
                        "The grace period of %(company)s cannot be negative.",
                        company=company.name,
                    )
                )
