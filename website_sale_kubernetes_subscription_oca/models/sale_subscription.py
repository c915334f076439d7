import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class SaleSubscription(models.Model):
    """A subscription keeps its apps running while it is in progress.

    Every stage change passes through :meth:`write` (form, kanban, close
    wizard, cron), so that is where the apps follow: a subscription that stops
    being in progress (closed, back to draft, archived) suspends its apps, one
    that is in progress again resumes them.
    """

    _inherit = "sale.subscription"

    app_ids = fields.One2many("kubernetes.app", "subscription_id", string="Apps")
    app_count = fields.Integer(compute="_compute_app_count")

    @api.depends("app_ids")
    def _compute_app_count(self):
        for subscription in self:
            subscription.app_count = len(subscription.sudo().app_ids)

    def _should_run_kubernetes_apps(self):
        """Whether the subscription's apps should run. Extension hook."""
        self.ensure_one()
        return self.active and self.in_progress

    def write(self, vals):
        if self.env.context.get("kubernetes_subscription_write") or not (
            {"stage_id", "in_progress", "active"} & set(vals)
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
            apps._resume_for_subscription(self)
        else:
            apps._suspend_for_subscription(self)

    def action_view_kubernetes_apps(self):
        """Open the apps of the subscription."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kubernetes_base.kubernetes_app_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {}
        return action
