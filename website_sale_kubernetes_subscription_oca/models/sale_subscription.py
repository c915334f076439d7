import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

#: Payment states of a posted invoice that still waits for its money.
UNPAID_PAYMENT_STATES = ("not_paid", "partial")


class SaleSubscription(models.Model):
    """A subscription keeps its apps running while it is in progress.

    Every stage change passes through :meth:`write` (form, kanban, close
    wizard, cron), so that is where the apps follow: a subscription that stops
    being in progress (closed, back to draft, archived) suspends its apps, one
    that is in progress again resumes them.

    An unpaid subscription stops its apps too: a daily cron
    (:meth:`_cron_kubernetes_check_payments`) marks as
    ``kubernetes_payment_overdue`` the subscriptions with an invoice unpaid
    past its due date and the company's grace period, and clears the mark
    once nothing is overdue; a paid or cancelled invoice clears it at once.
    The mark is written like a stage, so the apps follow it the same way.
    """

    _inherit = "sale.subscription"

    app_ids = fields.One2many("kubernetes.app", "subscription_id", string="Apps")
    app_count = fields.Integer(compute="_compute_app_count")
    kubernetes_payment_overdue = fields.Boolean(
        string="Payment Overdue",
        readonly=True,
        copy=False,
        tracking=True,
        help="An invoice of the subscription is unpaid past its due date and the "
        "company's grace period: its apps are suspended until it is paid.",
    )

    @api.depends("app_ids")
    def _compute_app_count(self):
        for subscription in self:
            subscription.app_count = len(subscription.sudo().app_ids)

    def _should_run_kubernetes_apps(self):
        """Whether the subscription's apps should run. Extension hook."""
        self.ensure_one()
        return self.active and self.in_progress and not self.kubernetes_payment_overdue

    def write(self, vals):
        if self.env.context.get("kubernetes_subscription_write") or not (
            {"stage_id", "in_progress", "active", "kubernetes_payment_overdue"}
            & set(vals)
        ):
            return super().write(vals)
        before = {sub.id: sub._should_run_kubernetes_apps() for sub in self}
        # subscription_oca sets in_progress with more writes; let them pass
        # through and compare once, at the end.
        res = super(
            SaleSubscription, self.with_context(kubernetes_subscription_write=True)
        ).write(vals)
        for subscription in self:
            should_run = subscription._should_run_kubernetes_apps()
            if should_run != before[subscription.id]:
                subscription._sync_kubernetes_apps(should_run)
        return res

    def _sync_kubernetes_apps(self, should_run):
        """Queue a resume (``should_run``) or a suspend of the apps."""
        self.ensure_one()
        apps = self.sudo().app_ids.filtered(lambda app: app.state != "deleted")
        if not apps:
            return
        _logger.info(
            "subscription %s: %s its apps",
            self.id,
            "resuming" if should_run else "suspending",
        )
        if should_run:
            apps._resume_for_subscription(self, self._get_kubernetes_run_reason())
        else:
            customer_lang = self.partner_id.lang or self.env.lang
            apps._suspend_for_subscription(
                self,
                self._get_kubernetes_stop_reason(),
                customer_reason=self.with_context(
                    lang=customer_lang
                )._get_kubernetes_customer_stop_reason(),
            )

    def _is_kubernetes_payment_stop(self):
        """Whether the apps stop for an unpaid invoice only."""
        self.ensure_one()
        return self.active and self.in_progress and self.kubernetes_payment_overdue

    def _get_kubernetes_cancelled_order(self):
        """Return the order whose cancel closes the subscription now, if any."""
        order_id = self.env.context.get("kubernetes_cancelled_order_id")
        return self.env["sale.order"].browse(order_id).exists() if order_id else None

    def _get_kubernetes_stop_reason(self):
        """Return, in words, why the apps of the subscription stop."""
        self.ensure_one()
        if self._is_kubernetes_payment_stop():
            invoice = self._get_kubernetes_overdue_invoices()[:1]
            if invoice:
                return _(
                    "Invoice %(invoice)s of subscription %(subscription)s is unpaid "
                    "since %(date)s",
                    invoice=invoice.name,
                    subscription=self.display_name,
                    date=format_date(self.env, invoice.invoice_date_due),
                )
            return _(
                "Subscription %(subscription)s has an unpaid invoice",
                subscription=self.display_name,
            )
        order = self._get_kubernetes_cancelled_order()
        if order:
            return _(
                "Order %(order)s is cancelled, subscription %(subscription)s is closed",
                order=order.name,
                subscription=self.display_name,
            )
        return _(
            "Subscription %(subscription)s is closed", subscription=self.display_name
        )

    def _get_kubernetes_customer_stop_reason(self):
        """Return, in a sentence for the customer, why the apps of the
        subscription are suspended; shown on the app's portal page until it
        runs again. Called in the customer's language."""
        self.ensure_one()
        if self._is_kubernetes_payment_stop():
            invoice = self._get_kubernetes_overdue_invoices()[:1]
            if invoice:
                return _(
                    "Invoice %(invoice)s is unpaid since %(date)s: your app runs "
                    "again once it is paid.",
                    invoice=invoice.name,
                    date=format_date(self.env, invoice.invoice_date_due),
                )
            return _(
                "An invoice of your subscription %(subscription)s is unpaid: your "
                "app runs again once it is paid.",
                subscription=self.display_name,
            )
        order = self._get_kubernetes_cancelled_order()
        if order:
            return _(
                "Your order %(order)s was cancelled; the data of your app is kept.",
                order=order.name,
            )
        return _(
            "Your subscription %(subscription)s is closed; the data of your app is "
            "kept.",
            subscription=self.display_name,
        )

    def _get_kubernetes_run_reason(self):
        """Return, in words, why the apps of the subscription run again."""
        self.ensure_one()
        if self.env.context.get("kubernetes_payment_settled"):
            return _(
                "The overdue invoices of subscription %(subscription)s are settled",
                subscription=self.display_name,
            )
        return _(
            "Subscription %(subscription)s is running again",
            subscription=self.display_name,
        )

    # -- unpaid invoices ----------------------------------------------------

    def _get_kubernetes_invoices(self):
        """Return the customer invoices of the subscription: its own, those of
        the orders it generated and those of the order it came from."""
        self.ensure_one()
        invoices = (
            self.invoice_ids
            | self.sale_order_ids.invoice_ids
            | self.sale_order_id.invoice_ids
        )
        return invoices.filtered(lambda move: move.move_type == "out_invoice")

    def _get_kubernetes_company(self):
        """Return the company whose payment rule applies to the subscription:
        its own, else its apps' (``subscription_oca`` sets none on the
        subscriptions it creates from orders)."""
        self.ensure_one()
        return self.company_id or self.app_ids[:1].company_id or self.env.company

    def _get_kubernetes_overdue_invoices(self, today=None):
        """Return the invoices unpaid past their due date and the grace period.

        :param today: the date to judge by, today when not given
        :returns: ``account.move`` records, the oldest due first; empty when
            the company does not suspend unpaid subscriptions
        """
        self.ensure_one()
        company = self._get_kubernetes_company()
        if not company.kubernetes_suspend_unpaid:
            return self.env["account.move"]
        today = today or fields.Date.context_today(self)
        limit = today - timedelta(days=company.kubernetes_unpaid_grace_days)
        return (
            self._get_kubernetes_invoices()
            .filtered(
                lambda move: (
                    move.state == "posted"
                    and move.payment_state in UNPAID_PAYMENT_STATES
                    and move.invoice_date_due
                    and move.invoice_date_due < limit
                )
            )
            .sorted("invoice_date_due")
        )

    def _kubernetes_update_payment_state(self, today=None):
        """Mark the subscriptions that have an overdue invoice, clear the mark
        of the others; the apps follow through :meth:`write`.

        :param today: the date to judge by, today when not given
        :returns: the subscriptions whose mark changed
        """
        changed = self.browse()
        for subscription in self:
            overdue = bool(subscription._get_kubernetes_overdue_invoices(today))
            if overdue != subscription.kubernetes_payment_overdue:
                subscription.with_context(kubernetes_payment_settled=not overdue).write(
                    {"kubernetes_payment_overdue": overdue}
                )
                changed |= subscription
                _logger.info(
                    "subscription %s: payment %s",
                    subscription.id,
                    "overdue" if overdue else "settled",
                )
        return changed

    @api.model
    def _cron_kubernetes_check_payments(self):
        """Suspend the apps of the subscriptions with an overdue invoice, and
        resume those whose invoices are settled; returns True."""
        subscriptions = self.search(
            [
                "|",
                ("kubernetes_payment_overdue", "=", True),
                ("app_ids", "any", [("state", "not in", ("draft", "deleted"))]),
            ]
        )
        for subscription in subscriptions:
            subscription.with_company(
                subscription._get_kubernetes_company()
            )._kubernetes_update_payment_state()
        return True

    def action_view_kubernetes_apps(self):
        """Open the apps of the subscription."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kubernetes_base.kubernetes_app_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {}
        return action
