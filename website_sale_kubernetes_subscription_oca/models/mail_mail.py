import logging

from odoo import fields, models
from odoo.http import request

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    """An invitation mail gets its password when it leaves, never before.

    The stored body holds a marker; :meth:`_prepare_outgoing_body` reads the
    password from the app's Secret and puts it in the outgoing copy only. The
    mail is deleted once sent. Invitations are sent by the mail queue cron,
    never inside an HTTP request, since reading the Secret is a cluster call.
    """

    _inherit = "mail.mail"

    kubernetes_invitation_app_id = fields.Many2one(
        "kubernetes.app",
        string="Invitation of App",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
        help="The password of this app is added to the mail when it is sent.",
    )

    def _prepare_outgoing_body(self):
        body = super()._prepare_outgoing_body()
        app = self.kubernetes_invitation_app_id.sudo()
        if app and body:
            body = app._render_invitation_body(body)
        return body

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        invitations = self.filtered("kubernetes_invitation_app_id")
        if not invitations:
            return super().send(
                auto_commit=auto_commit,
                raise_exception=raise_exception,
                post_send_callback=post_send_callback,
            )

        if request:
            # Leave them to the mail queue cron, outside the request.
            invitations.filtered(lambda mail: mail.state != "outgoing").write(
                {"state": "outgoing"}
            )
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
            _logger.info("invitation mails %s left to the mail queue", invitations.ids)
        else:
            # An invitation belongs to no document its sender could write:
            # only the superuser may record its outcome.
            super(MailMail, invitations.sudo()).send(
                auto_commit=auto_commit,
                raise_exception=raise_exception,
                post_send_callback=post_send_callback,
            )
        others = self - invitations
        if others:
            super(MailMail, others).send(
                auto_commit=auto_commit,
                raise_exception=raise_exception,
                post_send_callback=post_send_callback,
            )
        return True

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        sent = self.filtered(
            lambda mail: mail.kubernetes_invitation_app_id and mail.state == "sent"
        )
        for mail in sent:
            recipients = mail.recipient_ids.mapped("display_name") or [mail.email_to]
            mail.kubernetes_invitation_app_id.sudo()._on_invitation_sent(
                ", ".join(filter(None, recipients))
            )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
