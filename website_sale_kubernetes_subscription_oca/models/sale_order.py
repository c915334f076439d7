import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    """An order of app products turns, on confirmation, into subscriptions
    (``subscription_oca``) and one app per app line.

    Confirmation, by payment or by hand, runs :meth:`action_confirm`:
    ``subscription_oca`` creates the subscriptions, then
    :meth:`_create_kubernetes_apps` creates each missing app and queues its
    deployment. No cluster call happens here. Orders that a subscription
    generates (``order_subscription_id``) are left alone.

    Cancelling an app order closes the subscriptions it started for its app
    lines, which suspends their apps (data kept); a subscription of another
    product of the order stays. Confirmed again, the order starts a new
    subscription (``subscription_oca``), and each app that exists already
    moves to it and resumes: an order line never gets a second app. A line
    whose app was deleted meanwhile gets a new one.
    """

    _inherit = "sale.order"

    app_name = fields.Char(
        compute="_compute_app_name",
        inverse="_inverse_app_name",
        store=True,
        readonly=False,
        help="Name of the app of the order's first app line. Each app line holds "
        "the name of its own app.",
    )
    kubernetes_app_ids = fields.Many2many(
        "kubernetes.app",
        string="Apps",
        compute="_compute_kubernetes_app_ids",
        groups="kubernetes_base.group_kubernetes_user",
    )
    kubernetes_app_count = fields.Integer(
        string="App Count", compute="_compute_kubernetes_app_count"
    )
    kubernetes_app_error = fields.Text(
        string="App Problems", compute="_compute_kubernetes_app_error"
    )

    @api.depends("order_line.app_name", "order_line.product_id", "order_line.sequence")
    def _compute_app_name(self):
        for order in self:
            order.app_name = order._get_kubernetes_app_lines()[:1].app_name or False

    def _inverse_app_name(self):
        for order in self:
            line = order._get_kubernetes_app_lines()[:1]
            if line and line.app_name != order.app_name:
                line.app_name = order.app_name

    @api.model_create_multi
    def create(self, vals_list):
        lines = self.env["sale.order.line"]
        for vals in vals_list:
            if vals.get("app_name"):
                vals["app_name"] = lines._normalize_app_name(vals["app_name"]) or False
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("app_name"):
            vals["app_name"] = (
                self.env["sale.order.line"]._normalize_app_name(vals["app_name"])
                or False
            )
        return super().write(vals)

    @api.depends("order_line.kubernetes_app_ids")
    def _compute_kubernetes_app_ids(self):
        for order in self:
            order.kubernetes_app_ids = order.order_line.kubernetes_app_ids

    def _compute_kubernetes_app_count(self):
        for order in self:
            order.kubernetes_app_count = len(order.sudo().order_line.kubernetes_app_ids)

    @api.depends("order_line.kubernetes_app_error")
    def _compute_kubernetes_app_error(self):
        for order in self:
            errors = [
                f"{line.product_id.display_name}: {line.kubernetes_app_error}"
                for line in order.order_line
                if line.kubernetes_app_error
            ]
            order.kubernetes_app_error = "\n".join(errors) or False

    def _get_kubernetes_app_lines(self):
        """Return the order's lines that each buy one app."""
        return self.order_line.filtered("is_kubernetes_app_line")

    def _get_app_name_problems(self):
        """Return ``{line: problem}`` for the app lines whose name cannot be
        used, on one order."""
        self.ensure_one()
        problems = {}
        for line in self._get_kubernetes_app_lines():
            problem = line._get_app_name_problem()
            if problem:
                problems[line] = problem
        return problems

    # -- shop ---------------------------------------------------------------

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        qty, warning = super()._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )
        product = self.env["product.product"].browse(product_id)
        if product.product_tmpl_id.is_kubernetes_app_product and qty > 1:
            return 1, _(
                "One app per order line: to buy another app, complete this order "
                "and place a new one."
            )
        return qty, warning

    def _check_cart_is_ready_to_be_paid(self):
        """Refuse the payment of an app order bought without an account or
        with a name that cannot be had, and reserve the names for the
        payment."""
        res = super()._check_cart_is_ready_to_be_paid()
        self._check_kubernetes_app_payment()
        return res

    def _check_kubernetes_app_payment(self):
        """Raise ValidationError unless the app orders may be paid now: bought
        by a signed-in customer, with app lines that can be sold, and names
        that can be had, which are then reserved for the payment."""
        for order in self.filtered(lambda o: o._get_kubernetes_app_lines()):
            order._check_kubernetes_buyer()
            order._get_kubernetes_app_lines()._check_app_line_setup()
            problems = order._get_kubernetes_app_lines()._reserve_app_names()
            if problems:
                raise ValidationError(
                    _(
                        "Choose the name of your app again: %(problems)s",
                        problems=" ".join(problems.values()),
                    )
                )

    def _check_kubernetes_buyer(self):
        """Raise ValidationError unless a signed-in customer buys the app
        order: the visitor of the web request, if any, is not the public user,
        and the order's customer has an account (a guest can give the cart a
        customer of their own, e.g. through express checkout)."""
        self.ensure_one()
        visitor_is_public = bool(request) and request.env.user._is_public()
        if visitor_is_public or not self.partner_id.sudo().user_ids:
            raise ValidationError(_("Sign in to buy an app."))

    # -- confirmation -------------------------------------------------------

    def group_subscription_lines(self):
        # An order generated by a subscription must not start another one
        # (OCA/contract issue 1109).
        if self.order_subscription_id:
            return defaultdict(list)
        return super().group_subscription_lines()

    def action_confirm(self):
        app_orders = self.filtered(
            lambda order: (
                not order.order_subscription_id and order._get_kubernetes_app_lines()
            )
        )
        # A paid order is confirmed whatever happens to its names: a problem
        # is then recorded on the line instead of refusing the payment.
        if not self.env.context.get("kubernetes_app_paid_confirmation"):
            app_orders._check_kubernetes_app_lines()
        started_before = {order.id: order.sudo().subscription_ids for order in self}
        res = super().action_confirm()
        for order in app_orders:
            order._assign_kubernetes_subscription_user(
                order.sudo().subscription_ids - started_before[order.id]
            )
        app_orders._create_kubernetes_apps()
        return res

    def _assign_kubernetes_subscription_user(self, subscriptions):
        """Give the ``subscriptions`` the order just started its salesperson,
        else the website's, instead of whoever confirmed: often the superuser
        of the payment processing, whom the portal would show as the
        customer's contact."""
        self.ensure_one()
        user = self.user_id or self.website_id.salesperson_id
        if user and subscriptions:
            subscriptions.sudo().write({"user_id": user.id})

    def _action_cancel(self):
        res = super()._action_cancel()
        self._close_kubernetes_subscriptions()
        return res

    def _close_kubernetes_subscriptions(self):
        """Close the subscriptions of the app lines of the cancelled orders;
        their apps are suspended, with their data kept.

        The subscriptions close without a close reason: the notes on the
        order, the subscription and the apps say why.
        """
        orders = self.filtered(
            lambda o: (
                o.state == "cancel"
                and not o.order_subscription_id
                and o._get_kubernetes_app_lines()
            )
        )
        for order in orders:
            running = order._get_kubernetes_app_subscriptions().filtered(
                lambda subscription: subscription.stage_type != "post"
            )
            for subscription in running:
                subscription.with_context(
                    kubernetes_cancelled_order_id=order.id
                ).close_subscription()
                order.message_post(
                    body=_(
                        "Subscription %(subscription)s closed: the order is cancelled.",
                        subscription=subscription.display_name,
                    )
                )

    def _get_kubernetes_app_subscriptions(self):
        """Return the subscriptions the order started for its app lines: those
        that bill the lines' apps, and, for a line without an app (not
        created yet, or deleted), the one :meth:`_get_kubernetes_subscription`
        finds. Subscriptions of the order's other products are left out, as
        are subscriptions the order did not start.
        """
        self.ensure_one()
        started = self.sudo().subscription_ids
        subscriptions = started.browse()
        for line in self._get_kubernetes_app_lines():
            app = line._get_kubernetes_app()
            subscriptions |= (
                app.subscription_id if app else self._get_kubernetes_subscription(line)
            )
        return subscriptions & started

    def _check_kubernetes_app_lines(self):
        """Raise UserError unless every app line has one app and a name that
        can be had."""
        for order in self:
            lines = order._get_kubernetes_app_lines()
            lines._check_app_line_setup()
            problems = order._get_app_name_problems()
            if problems:
                raise UserError(
                    _(
                        "Order %(order)s cannot be confirmed: %(problems)s",
                        order=order.name,
                        problems=" ".join(problems.values()),
                    )
                )

    def _create_kubernetes_apps(self):
        """Create the missing app of each app line of the confirmed orders and
        queue its deployment.

        Safe to call again: the lines are locked so that two transactions
        cannot both create one. A line that has an app keeps it: the app
        moves to the subscription of an order confirmed again after a cancel
        and resumes there, else nothing happens. A deleted app does not count,
        unless it was deleted while the line's subscription ran: a new
        subscription gets a new app, the same one does not bring back an app
        removed on purpose. Returns the apps created.
        """
        apps = self.env["kubernetes.app"].sudo()
        for order in self.filtered(
            lambda o: o.state == "sale" and not o.order_subscription_id
        ):
            lines = order._get_kubernetes_app_lines()
            if not lines:
                continue
            lines._lock_for_app_creation()
            for line in lines.sudo():
                subscription = order._get_kubernetes_subscription(line)
                app = line._get_kubernetes_app()
                if app:
                    if line._must_move_kubernetes_app(app, subscription):
                        line._move_kubernetes_app(app, subscription)
                    else:
                        _logger.debug(
                            "order %s: line %s has its app", order.name, line.id
                        )
                    continue
                if subscription and line._has_app_deleted_on(subscription):
                    _logger.debug(
                        "order %s: the app of line %s was deleted",
                        order.name,
                        line.id,
                    )
                    continue
                if not subscription:
                    line._set_kubernetes_app_error(
                        _("The order started no subscription for this product.")
                    )
                    continue
                apps |= line._create_kubernetes_app(subscription)
        return apps

    def _get_kubernetes_subscription(self, line):
        """Return the subscription ``subscription_oca`` started for ``line``:
        the order's subscription of the line product's template, the one in
        progress and the latest first (an order confirmed again after a
        cancel has a closed one too)."""
        self.ensure_one()
        template = line.product_id.product_tmpl_id.subscription_template_id
        subscriptions = self.sudo().subscription_ids.filtered(
            lambda subscription: subscription.template_id == template
        )
        running = subscriptions.filtered("in_progress")
        return (running or subscriptions).sorted("id", reverse=True)[:1]

    def action_create_kubernetes_apps(self):
        """Create the apps that confirmation could not create (after the
        salesperson fixed their names); returns a notification."""
        if any(order.state != "sale" for order in self):
            raise UserError(_("Only confirmed orders get apps."))
        apps = self._create_kubernetes_apps()
        errors = self.mapped("kubernetes_app_error")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if any(errors) else "success",
                "message": "\n".join(filter(None, errors))
                or _("%(count)s app(s) created.", count=len(apps)),
                "sticky": any(errors),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_kubernetes_apps(self):
        """Open the apps of the order."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kubernetes_base.kubernetes_app_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {}
        return action
