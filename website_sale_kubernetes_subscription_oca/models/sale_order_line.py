import datetime
import logging

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

#: How long a name typed at checkout stays reserved without a payment.
RESERVATION_DURATION = datetime.timedelta(hours=1)
#: Payment transaction states that keep a reservation alive: money is on its way.
PAYING_STATES = ("pending", "authorized", "done")


class SaleOrderLine(models.Model):
    """An order line of an app product names the one app it buys.

    The name is *reserved* when the customer submits it at checkout and again
    when the payment starts: ``app_name_reserved`` holds it under a unique
    index per company, so of two orders claiming one name, the database lets
    exactly one through. A reservation lives for :data:`RESERVATION_DURATION`,
    while a payment of the order is under way, and for as long as the order
    is confirmed and its app not deleted.

    A deleted app no longer counts as the line's app: its name is free, and an
    order cancelled and confirmed again gets a new app (see
    :meth:`_get_kubernetes_app`).
    """

    _inherit = "sale.order.line"

    app_name = fields.Char(
        copy=False,
        help="Name of the app this line buys; it becomes the first label of the "
        "app's address.",
    )
    is_kubernetes_app_line = fields.Boolean(
        string="Is App Line", compute="_compute_is_kubernetes_app_line"
    )
    kubernetes_app_ids = fields.One2many(
        "kubernetes.app",
        "sale_line_id",
        string="Apps",
        readonly=True,
        groups="kubernetes_base.group_kubernetes_user",
    )
    has_kubernetes_app = fields.Boolean(
        string="Has App", compute="_compute_has_kubernetes_app", compute_sudo=True
    )
    kubernetes_app_error = fields.Char(
        string="App Problem",
        readonly=True,
        copy=False,
        help="Why the app of this line could not be created at confirmation.",
    )
    app_name_reserved = fields.Char(readonly=True, copy=False)
    app_name_reserved_until = fields.Datetime(readonly=True, copy=False)

    def init(self):
        # The check in Python gives the message; this index settles a race
        # between two orders.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sale_order_line_app_name_reserved_uniq
            ON sale_order_line (company_id, app_name_reserved)
            WHERE app_name_reserved IS NOT NULL
            """
        )

    @api.depends("product_id.subscribable", "product_id.is_kubernetes_app")
    def _compute_is_kubernetes_app_line(self):
        for line in self:
            line.is_kubernetes_app_line = bool(
                line.product_id.product_tmpl_id.is_kubernetes_app_product
            )

    @api.depends("kubernetes_app_ids.state")
    def _compute_has_kubernetes_app(self):
        for line in self:
            line.has_kubernetes_app = bool(line._get_kubernetes_app())

    def _get_kubernetes_app(self):
        """Return the line's app that is not deleted, or an empty recordset.

        A deleted app has no objects and no name any more: the line may get a
        new app, under its name or another one.
        """
        self.ensure_one()
        return self.sudo().kubernetes_app_ids.filtered(
            lambda app: app.state != "deleted"
        )[:1]

    def _has_app_deleted_on(self, subscription):
        """Whether the line's app was deleted while ``subscription`` billed it.

        The app was removed on purpose while the subscription runs: confirming
        the order again or creating its apps does not bring it back. Only a new
        subscription (the order cancelled and confirmed again) gets a new app.
        """
        self.ensure_one()
        return any(
            app.state == "deleted" and app.subscription_id == subscription
            for app in self.sudo().kubernetes_app_ids
        )

    @api.model
    def _normalize_app_name(self, name):
        """Return ``name`` as a customer means it: trimmed and in lower case.

        Anything but a string (a number or a list sent to a JSON route) reads
        as no name at all.
        """
        if not isinstance(name, str):
            return ""
        return name.strip().lower()

    # -- names --------------------------------------------------------------

    def _get_app_name_problem(self, name=None, other_names=None):
        """Return why ``name`` (default: the line's) cannot name this line's
        app, or an empty string.

        Counts the other app lines of the order, the apps and the live
        reservations of other orders, and the address the name gives (see
        :meth:`_get_app_address_problem`).

        :param other_names: the names of the order's other app lines, when
            they are about to change; default: their names now
        """
        self.ensure_one()
        name = self.app_name if name is None else name
        if other_names is None:
            other_names = (self.order_id._get_kubernetes_app_lines() - self).mapped(
                "app_name"
            )
        if name and name in other_names:
            return _(
                "The name %(name)s is given to another app of this order.", name=name
            )
        company = self.order_id.company_id
        return self.env["kubernetes.app"]._get_name_problem(
            name, company, sale_line=self
        ) or self._get_app_address_problem(
            name, company, apps=self._get_kubernetes_app()
        )

    @api.model
    def _get_app_address_problem(self, name, company, apps=None):
        """Return why the valid app name ``name`` cannot give an address at
        ``company``, or an empty string: the company has no domain for apps,
        or another app uses the host name already (a manager may type any
        host name on an app).

        :param apps: the apps that may keep the host name (the line's own)
        """
        hostname = self.env["kubernetes.app"]._get_default_hostname(name, company)
        if not hostname:
            return _(
                "Apps cannot be ordered yet: the shop has no domain to run them "
                "under. Please contact us."
            )
        try:
            self.env["kubernetes.app"]._check_hostname_free(hostname, apps=apps)
        except ValidationError:
            return _("The name %(name)s is already taken.", name=name)
        return ""

    @api.model
    def _find_app_name_reservations(self, name, company, exclude=None):
        """Return the lines whose live reservation holds ``name``.

        :param exclude: lines whose reservation does not count
        """
        if not name:
            return self.browse()
        domain = [("app_name_reserved", "=", name), ("company_id", "=", company.id)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        lines = self.sudo().search(domain)
        return lines.filtered(lambda line: line._is_app_name_reservation_live())

    def _is_app_name_reservation_live(self):
        """Whether the line's reservation still holds its name."""
        self.ensure_one()
        order = self.order_id
        if not self.app_name_reserved or order.state == "cancel":
            return False
        if order.state == "sale":
            # The order holds the name until its app exists; the app then
            # holds its own name, which a manager may change.
            app = self._get_kubernetes_app()
            return not app or app.name == self.app_name_reserved
        if (
            self.app_name_reserved_until
            and self.app_name_reserved_until > fields.Datetime.now()
        ):
            return True
        return any(tx.state in PAYING_STATES for tx in order.sudo().transaction_ids)

    def _reserve_app_names(self):
        """Reserve each line's app name for :data:`RESERVATION_DURATION`.

        A reservation of another order that is no longer live is taken over.
        Returns ``{line: problem}`` for the lines whose name could not be
        reserved; the other lines hold their name.
        """
        problems = {}
        until = fields.Datetime.now() + RESERVATION_DURATION
        for line in self.sudo():
            problem = line._get_app_name_problem()
            if problem:
                problems[line] = problem
                continue
            stale = (
                self.sudo()
                .search(
                    [
                        ("app_name_reserved", "=", line.app_name),
                        ("company_id", "=", line.company_id.id),
                        ("id", "!=", line.id),
                    ]
                )
                .filtered(lambda other: not other._is_app_name_reservation_live())
            )
            try:
                line._write_reservation(line.app_name, until, stale)
            except errors.UniqueViolation:
                # Another order reserved the name since our check.
                _logger.info(
                    "order %s: app name %s lost to a concurrent order",
                    line.order_id.name,
                    line.app_name,
                )
                problems[line] = _(
                    "The name %(name)s is already taken.", name=line.app_name
                )
        return problems

    def _submit_app_names(self, typed):
        """Give the lines the names their customer typed, and reserve them.

        Every name is checked first: when one is refused, no line changes and
        the names reserved before stay reserved.

        :param dict typed: ``{line: name as typed}``
        :returns: ``{line: problem}``, empty when every line holds its new
            name; a name lost to a concurrent order between the check and the
            reservation is a problem too
        """
        wanted = {line: self._normalize_app_name(name) for line, name in typed.items()}
        problems = {}
        for line, name in wanted.items():
            others = [
                wanted.get(other, other.app_name)
                for other in line.order_id._get_kubernetes_app_lines() - line
            ]
            problem = line._get_app_name_problem(name, other_names=others)
            if problem:
                problems[line] = problem
        if problems:
            return problems

        for line, name in wanted.items():
            if line.app_name != name:
                line.app_name = name
        return self.browse([line.id for line in wanted])._reserve_app_names()

    def _write_reservation(self, name, until, stale):
        """Store the reservation in SQL, in a savepoint, taking it over from
        the ``stale`` lines; a unique violation is then an expected answer,
        not an error in the log."""
        self.ensure_one()
        cr = self.env.cr
        with cr.savepoint():
            if stale:
                cr.execute(
                    """
                    UPDATE sale_order_line
                    SET app_name_reserved = NULL, app_name_reserved_until = NULL
                    WHERE id IN %s
                    """,
                    (tuple(stale.ids),),
                    log_exceptions=False,
                )
            cr.execute(
                """
                UPDATE sale_order_line
                SET app_name_reserved = %s, app_name_reserved_until = %s
                WHERE id = %s
                """,
                (name, until, self.id),
                log_exceptions=False,
            )
        self.env["sale.order.line"].invalidate_model(
            ["app_name_reserved", "app_name_reserved_until"]
        )

    def _release_app_name(self):
        """Free the names the lines reserve."""
        reserved = self.filtered("app_name_reserved")
        if reserved:
            reserved.write(
                {"app_name_reserved": False, "app_name_reserved_until": False}
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("app_name"):
                vals["app_name"] = self._normalize_app_name(vals["app_name"]) or False
        return super().create(vals_list)

    def write(self, vals):
        if "app_name" in vals:
            vals["app_name"] = self._normalize_app_name(vals["app_name"]) or False
            changed = self.filtered(lambda line: line.app_name != vals["app_name"])
            if any(line._get_kubernetes_app() for line in changed):
                raise UserError(
                    _("The app of this order line exists already: its name stays.")
                )
            changed.sudo()._release_app_name()
        return super().write(vals)

    # -- apps ---------------------------------------------------------------

    def _check_app_line_setup(self):
        """Raise ValidationError unless every app line buys exactly one app of
        a product with a subscription template."""
        for line in self.filtered("is_kubernetes_app_line"):
            if not line.product_id.product_tmpl_id.subscription_template_id:
                raise ValidationError(
                    _(
                        "The product %(product)s has no subscription template: it "
                        "cannot be sold as an app yet.",
                        product=line.product_id.display_name,
                    )
                )
            if line.product_uom_qty != 1:
                raise ValidationError(
                    _(
                        "The line %(product)s buys one app: set its quantity to 1 "
                        "and add a line for each other app.",
                        product=line.product_id.display_name,
                    )
                )

    def _lock_for_app_creation(self):
        """Lock the lines until the end of the transaction, so that a second
        confirmation waits, then sees the app of the first."""
        if self.ids:
            self.env.cr.execute(
                "SELECT id FROM sale_order_line WHERE id IN %s FOR UPDATE",
                (tuple(self.ids),),
            )
            self.invalidate_recordset(["kubernetes_app_ids"])

    def _prepare_kubernetes_app_vals(self, subscription, namespace):
        """Return the values of the app this line buys."""
        self.ensure_one()
        return {
            "name": self.app_name,
            "product_id": self.product_id.id,
            "namespace_id": namespace.id,
            "environment_id": namespace.environment_id.id,
            "subscription_id": subscription.id,
            "sale_line_id": self.id,
            "credentials_to_send": True,
        }

    def _create_kubernetes_app(self, subscription):
        """Create the app of this line in its customer's namespace and queue
        its deployment; nothing is created when the name cannot be had.

        Returns the app, or an empty recordset with the reason stored in
        ``kubernetes_app_error``.
        """
        self.ensure_one()
        apps = self.env["kubernetes.app"].sudo()
        problem = self._reserve_app_names().get(self)
        environment = (
            self.product_id.product_tmpl_id._get_default_kubernetes_environment()
        )
        if not problem and not environment:
            problem = _(
                "The product %(product)s has no allowed environment.",
                product=self.product_id.display_name,
            )
        if problem:
            self._set_kubernetes_app_error(problem)
            return apps
        try:
            with self.env.cr.savepoint():
                namespace = (
                    self.env["kubernetes.namespace"]
                    .sudo()
                    ._get_or_create(
                        self.order_id.partner_id, environment, self.order_id.company_id
                    )
                )
                app = apps.create(
                    self._prepare_kubernetes_app_vals(subscription, namespace)
                )
                app.action_deploy()
        except (UserError, ValidationError) as err:
            self._set_kubernetes_app_error(str(err.args[0]))
            return apps
        except errors.UniqueViolation:
            self._set_kubernetes_app_error(
                _(
                    "The name %(name)s was taken by another app a moment ago.",
                    name=self.app_name,
                )
            )
            return apps
        self.kubernetes_app_error = False
        self._post_app_created(app, subscription)
        return app

    def _must_move_kubernetes_app(self, app, subscription):
        """Whether the line's ``app`` (not deleted) belongs on ``subscription``
        now: the order, cancelled and confirmed again, started it, and the app
        is still on the subscription the cancel closed."""
        self.ensure_one()
        current = app.subscription_id
        return bool(
            subscription
            and current != subscription
            and current in self.order_id.sudo().subscription_ids
            and not current.in_progress
        )

    def _move_kubernetes_app(self, app, subscription):
        """Link the line's ``app`` to ``subscription`` and, when that one is
        in progress, resume the app. Noted on the app, on both subscriptions
        and on the order."""
        self.ensure_one()
        previous = app.subscription_id
        app.subscription_id = subscription
        message = _(
            "App %(app)s moves from subscription %(previous)s to %(subscription)s, "
            "which order %(order)s started when it was confirmed again.",
            app=app.name,
            previous=previous.display_name,
            subscription=subscription.display_name,
            order=self.order_id.name,
        )
        for record in (app, previous, subscription, self.order_id):
            record.message_post(body=message)
        _logger.info(
            "order %s: app %s moved from subscription %s to %s",
            self.order_id.name,
            app.name,
            previous.id,
            subscription.id,
        )
        if subscription._should_run_kubernetes_apps():
            app._resume_for_subscription(
                subscription, subscription._get_kubernetes_run_reason()
            )

    def _post_app_created(self, app, subscription):
        """Log the new app on the order and on the subscription."""
        message = _(
            "App %(app)s created for %(url)s; its deployment is queued.",
            app=app.name,
            url=app.url,
        )
        self.order_id.message_post(body=message)
        subscription.message_post(body=message)
        _logger.info(
            "order %s: app %s created for subscription %s",
            self.order_id.name,
            app.name,
            subscription.id,
        )

    def _needs_new_app_name(self):
        """Whether the customer may name this line's app again: the order is
        confirmed and paid for, and its app could not be created."""
        self.ensure_one()
        order = self.order_id
        return bool(
            self.is_kubernetes_app_line
            and order.state == "sale"
            and not order.order_subscription_id
            and self.kubernetes_app_error
            and not self._get_kubernetes_app()
        )

    def _rename_and_create_app(self, name):
        """Give this line's app the new ``name`` its customer chose, and
        create the app.

        The name is checked first: a refused name changes nothing. It can
        still be lost to a concurrent order between the check and the
        creation, as at confirmation: the line then keeps the new name and the
        reason in ``kubernetes_app_error``.

        :param str name: the name as the customer typed it
        :returns: the app created, or an empty recordset when the creation
            failed
        :raises UserError: the line needs no new name, or ``name`` is refused
        """
        self.ensure_one()
        if not self._needs_new_app_name():
            raise UserError(_("This order line needs no new app name."))
        name = self._normalize_app_name(name)
        problem = self._get_app_name_problem(name)
        if problem:
            raise UserError(problem)

        old_name = self.app_name
        self.app_name = name
        self.order_id.message_post(
            body=_(
                "The customer chose the app name %(name)s instead of %(old)s.",
                name=name,
                old=old_name or "-",
            )
        )
        self.order_id._create_kubernetes_apps()
        return self._get_kubernetes_app()

    def _set_kubernetes_app_error(self, reason):
        """Record why the line's app was not created, free its name and ask
        the salesperson to settle it."""
        self.ensure_one()
        self._release_app_name()
        self.kubernetes_app_error = reason
        order = self.order_id
        order.message_post(
            body=_(
                "The app of line %(product)s was not created: %(reason)s",
                product=self.product_id.display_name,
                reason=reason,
            )
        )
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Create the app of this order"),
            note=_(
                "Agree on a new app name with the customer, set it on the order "
                "line, then use Create Apps."
            ),
            user_id=order.user_id.id or self.env.ref("base.user_admin").id,
        )
        _logger.warning(
            "order %s: app of line %s not created: %s", order.name, self.id, reason
        )
