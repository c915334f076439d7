import logging
import re

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

#: Stands for the password in a stored invitation; :class:`MailMail` puts the
#: password from the app's Secret in its place when the mail leaves.
PASSWORD_MARKER = "[[kubernetes-app-password]]"
#: The element of the invitation's credentials table that receives the
#: password. The mail layout copies the first lines of the text into a hidden
#: inbox preview, marker included: only the marker in this element becomes the
#: password, any other one becomes :data:`PASSWORD_MASK`.
PASSWORD_SLOT = Markup('<span id="kubernetes_app_password">%s</span>') % PASSWORD_MARKER
#: What stands for the password anywhere but in its slot.
PASSWORD_MASK = "********"
_PASSWORD_SLOT_RE = re.compile(
    r"(<span\b[^>]*\bid=[\"']kubernetes_app_password[\"'][^>]*>)\s*"
    + re.escape(PASSWORD_MARKER)
)

#: States in which an app has, or is getting, objects that can be scaled down.
SUSPENDABLE_STATES = ("queued", "deploying", "running", "failed")


class KubernetesApp(models.Model):
    """An app sold in the shop: its subscription, its order line and the
    invitation that brings its credentials to the customer.

    The invitation is a ``mail.mail`` rendered with :data:`PASSWORD_SLOT`
    instead of the password; the password is read from the app's Secret only
    when the mail is sent (see ``mail.mail._prepare_outgoing_body``), so no
    Odoo record ever holds it.

    Each change of the app that its subscription causes or should know of
    (suspend queued and done, resume queued, running, objects deleted) is
    noted on the app and on the subscription.
    """

    _inherit = "kubernetes.app"

    subscription_id = fields.Many2one(
        "sale.subscription",
        ondelete="restrict",
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="The subscription the app is billed with; closing it suspends the "
        "app, reopening it resumes the app.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        ondelete="restrict",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    sale_order_id = fields.Many2one(
        related="sale_line_id.order_id", string="Sales Order", store=True
    )
    credentials_to_send = fields.Boolean(
        readonly=True,
        copy=False,
        help="The next time the app is running, its credentials are mailed to "
        "the customer. The credentials themselves are never stored in Odoo.",
    )
    invitation_date = fields.Datetime(
        string="Last Invitation", readonly=True, copy=False
    )

    # init() returns nothing, as the base's does.
    def init(self):  # pylint: disable=missing-return
        super().init()
        # An order line gets one app; a deleted one does not count, so that
        # an order cancelled and confirmed again gets a new app.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS kubernetes_app_sale_line_uniq
            ON kubernetes_app (sale_line_id) WHERE state != 'deleted'
            """
        )

    # -- validation ---------------------------------------------------------

    @api.model
    def _get_name_problem(self, name, company, app=None, sale_line=None):
        """Return why ``name`` cannot be used, counting names reserved by
        orders as taken.

        :param sale_line: the order line asking, whose own reservation does
            not count; defaults to the order line of ``app``
        :returns: a translated sentence, or an empty string
        """
        if sale_line and not app:
            # The line's own app does not take the line's name.
            app = (
                sale_line._get_kubernetes_app().filtered(lambda own: own.name == name)
                or None
            )
        problem = super()._get_name_problem(name, company, app=app)
        if problem:
            return problem
        own_line = sale_line or (app.sale_line_id if app else None)
        if not own_line:
            # Set by create(): the base checks the name before the insert,
            # without the app, whose line holds the reservation.
            own_line = self.env["sale.order.line"].browse(
                self.env.context.get("kubernetes_app_own_sale_line_ids") or []
            )
        reservations = self.env["sale.order.line"]._find_app_name_reservations(
            name, company, exclude=own_line
        )
        if reservations:
            return _("The name %(name)s is already taken.", name=name)
        return ""

    @api.model_create_multi
    def create(self, vals_list):
        line_ids = [
            vals["sale_line_id"] for vals in vals_list if vals.get("sale_line_id")
        ]
        apps = self.with_context(kubernetes_app_own_sale_line_ids=line_ids)
        return super(KubernetesApp, apps).create(vals_list)

    def write(self, vals):
        res = super().write(vals)
        if vals.get("name"):
            # A renamed app holds its new name itself: the name its order
            # line reserved is free again.
            self.sale_line_id.sudo().filtered(
                lambda line: (
                    line.app_name_reserved and line.app_name_reserved != vals["name"]
                )
            )._release_app_name()
        return res

    # -- invitation ---------------------------------------------------------

    def _on_running(self, first_time):
        res = super()._on_running(first_time)
        for app in self.filtered("subscription_id"):
            app._post_on_subscription(
                _("App %(app)s is running at %(url)s.", app=app.name, url=app.url)
            )
        for app in self.filtered("credentials_to_send"):
            # A broken invitation must not fail a running app.
            try:
                with self.env.cr.savepoint():
                    app._send_invitation()
            except Exception:
                _logger.exception(
                    "app %s: the invitation could not be queued", app.name
                )
                app.message_post(
                    body=_(
                        "The invitation could not be queued; the server log has "
                        "details. Send new credentials to try again."
                    )
                )
        return res

    def _get_invitation_partner(self):
        """Return the partner the invitation goes to: the buyer of the app when
        it was sold in the shop, else the subscription's or the namespace's
        partner."""
        self.ensure_one()
        return (
            self.sale_order_id.partner_id
            or self.subscription_id.partner_id
            or self.partner_id
        )

    def _get_invitation_login(self):
        """Return the login the app's manifests give its administrator."""
        self.ensure_one()
        return self._get_admin_login()

    def _send_invitation(self):
        """Queue the invitation mail of the app, without its password.

        Returns the ``mail.mail`` created, or an empty recordset when the
        customer has no email address (a note on the app says so).
        """
        self.ensure_one()
        partner = self._get_invitation_partner()
        if not partner.email:
            self.write({"credentials_to_send": False})
            self.message_post(
                body=_(
                    "No invitation sent: %(partner)s has no email address. Send "
                    "new credentials once it is set.",
                    partner=partner.display_name,
                )
            )
            _logger.warning("app %s: no email address for the invitation", self.name)
            return self.env["mail.mail"]

        template = self.env.ref(
            "website_sale_kubernetes_subscription_oca.mail_template_kubernetes_app_invitation"
        ).sudo()
        mail_id = template.with_context(
            kubernetes_password_marker=PASSWORD_SLOT
        ).send_mail(
            self.id,
            email_layout_xmlid="mail.mail_notification_light",
            email_values=self._prepare_invitation_mail_vals(partner),
        )
        # The mail queue runs hourly; the customer is waiting now.
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        self.write(
            {"credentials_to_send": False, "invitation_date": fields.Datetime.now()}
        )
        self.message_post(
            body=_(
                "Invitation with the credentials queued for %(partner)s.",
                partner=partner.display_name,
            )
        )
        _logger.info("app %s: invitation queued (mail %s)", self.name, mail_id)
        return self.env["mail.mail"].browse(mail_id)

    def _prepare_invitation_mail_vals(self, partner):
        """Return the values that make the invitation a mail of its own: not
        on any chatter, deleted once sent, tied to the app for the password.
        """
        return {
            "model": False,
            "res_id": False,
            "recipient_ids": [fields.Command.set(partner.ids)],
            "auto_delete": True,
            "kubernetes_invitation_app_id": self.id,
        }

    def _read_invitation_password(self):
        """Return the admin password from the app's Secret.

        Called when the invitation leaves, never stored. Raises UserError when
        the Secret holds no password.
        """
        self.ensure_one()
        with self.company_id.sudo()._kubernetes_deployer() as deployer:
            credentials = deployer.read_credentials(self) or {}
        password = credentials.get("admin_password")
        if not password:
            raise UserError(
                _(
                    "The credentials of app %(name)s are not on the cluster: "
                    "deploy the app, then send new credentials.",
                    name=self.name,
                )
            )
        return password

    def _render_invitation_body(self, body):
        """Return ``body`` with the password in its slot of the credentials
        table, and :data:`PASSWORD_MASK` for any other marker, such as the one
        the inbox preview copied from the text.

        Raises UserError when the body has markers but no slot, rather than
        sending a mail without the password.
        """
        self.ensure_one()
        if PASSWORD_MARKER not in body:
            return body
        password = str(escape(self._read_invitation_password()))
        body, slots = _PASSWORD_SLOT_RE.subn(
            lambda match: match.group(1) + password, body
        )
        if not slots:
            raise UserError(
                _(
                    "The invitation of app %(name)s has no place for the password: "
                    "check the mail template.",
                    name=self.name,
                )
            )
        return body.replace(PASSWORD_MARKER, PASSWORD_MASK)

    def _on_invitation_sent(self, partner_names):
        """Note on the app that the invitation left, naming the recipients."""
        for app in self:
            app.message_post(
                body=_("Invitation sent to %(recipients)s.", recipients=partner_names)
            )
            _logger.info("app %s: invitation sent", app.name)

    def action_send_new_credentials(self):
        """Generate new credentials and mail them once the app runs again.

        Rotates the app's Secret and redeploys it; returns True.
        """
        if not self.env.user.has_group("kubernetes_base.group_kubernetes_manager"):
            raise AccessError(_("Only Kubernetes managers may send new credentials."))
        self.action_rotate_credentials()
        self.write({"credentials_to_send": True})
        for app in self:
            app.message_post(
                body=_("New credentials requested; they are mailed when the app runs.")
            )
        return True

    # -- subscription lifecycle --------------------------------------------

    def _suspend_for_subscription(self, subscription, reason, customer_reason=None):
        """Queue a suspend of the apps that run or are on their way to run.

        Apps in another state are left alone and the skip is noted; nothing
        here raises, so a subscription change never fails because of an app.
        A credential rotation pending on an app survives the suspend: the
        resume deploys it, and the new credentials are mailed once the app
        runs.

        :param subscription: the ``sale.subscription`` that stopped
        :param str reason: why, in words, as the notes on the app and the
            subscription begin
        :param str customer_reason: why, in a sentence for the customer, kept
            on the app (``suspend_reason``) until it runs again
        :returns: the apps queued
        """
        queued = self.browse()
        for app in self:
            can_suspend = app.state in SUSPENDABLE_STATES or (
                app.state == "suspended" and app.pending_action == "resume"
            )
            if not can_suspend or app.pending_action in ("suspend", "delete"):
                app._note_lifecycle_skip(
                    subscription,
                    _(
                        "%(reason)s: app %(app)s is %(state)s, nothing to suspend.",
                        reason=reason,
                        app=app.name,
                        state=app._get_state_label(),
                    ),
                )
                continue
            app._queue_suspend(customer_reason)
            queued |= app
            app._note_lifecycle(
                subscription,
                _(
                    "%(reason)s: suspend of app %(app)s queued, its data is kept.",
                    reason=reason,
                    app=app.name,
                ),
            )
        return queued

    def _resume_for_subscription(self, subscription, reason):
        """Queue a resume of the suspended apps, or a deploy of those never
        applied. Other apps are left alone.

        :param subscription: the ``sale.subscription`` that runs again
        :param str reason: why, in words, as the notes begin
        :returns: the apps queued
        """
        queued = self.browse()
        for app in self:
            to_resume = app.state == "suspended" or (
                app.state in SUSPENDABLE_STATES and app.pending_action == "suspend"
            )
            if not to_resume or app.pending_action in ("resume", "delete"):
                app._note_lifecycle_skip(
                    subscription,
                    _(
                        "%(reason)s: app %(app)s is %(state)s, nothing to resume.",
                        reason=reason,
                        app=app.name,
                        state=app._get_state_label(),
                    ),
                )
                continue
            if app.applied_date:
                app._queue("resume")
            else:
                app._queue("deploy", state="queued")
            queued |= app
            app._note_lifecycle(
                subscription,
                _(
                    "%(reason)s: resume of app %(app)s queued.",
                    reason=reason,
                    app=app.name,
                ),
            )
        return queued

    def _note_lifecycle(self, subscription, message):
        """Post ``message`` on the app and on ``subscription``."""
        self.ensure_one()
        self.message_post(body=message)
        subscription.message_post(body=message)
        _logger.info(
            "app %s: %s after a change of subscription %s",
            self.name,
            self.pending_action,
            subscription.id,
        )

    def _note_lifecycle_skip(self, subscription, message):
        """Post ``message`` on the app and on ``subscription`` for a change
        that needs no work."""
        self.ensure_one()
        self.message_post(body=message)
        subscription.message_post(body=message)
        _logger.info(
            "app %s: nothing to do after a change of subscription %s (state %s)",
            self.name,
            subscription.id,
            self.state,
        )

    def _get_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[
            self.state
        ].lower()

    def _on_deleted(self):
        res = super()._on_deleted()
        # The name is free again once its objects are gone.
        self.sale_line_id.sudo()._release_app_name()
        for app in self.filtered("subscription_id"):
            app._post_on_subscription(
                _(
                    "App %(app)s was removed from the cluster.",
                    app=app.name,
                )
            )
        return res

    def _on_suspended(self):
        res = super()._on_suspended()
        for app in self.filtered("subscription_id"):
            app._post_on_subscription(
                _(
                    "App %(app)s is suspended: scaled to zero, its data is kept.",
                    app=app.name,
                )
            )
        return res

    def _post_on_subscription(self, message):
        """Post ``message`` on the app's subscription, as an internal note."""
        self.ensure_one()
        self.subscription_id.sudo().message_post(body=message)

    # -- views --------------------------------------------------------------

    def action_view_subscription(self):
        """Open the app's subscription."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.subscription",
            "res_id": self.subscription_id.id,
            "view_mode": "form",
        }
