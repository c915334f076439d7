from odoo import models
from odoo.tools import SQL


class MailMessage(models.Model):
    """Message, kept from portal users when it is internal to a subscription."""

    _inherit = "mail.message"

    #: The model whose internal messages portal users may not read.
    _subscription_portal_internal_model = "sale.subscription"

    def _get_forbidden_access(self, operation):
        """Add the internal messages of subscriptions to those a portal user
        may not reach.

        Core forbids internal comments only: internal notifications (notes
        posted by code, such as the notes of the shop on unpaid invoices;
        completed activities; tracking) of a subscription would stay readable
        by id, through the ORM, to its portal users. One query, shaped like
        core's, finds them.
        """
        forbidden = super()._get_forbidden_access(operation)
        allowed = self - forbidden
        if self.env.user._is_internal() or not allowed:
            return forbidden
        allowed.flush_recordset(["model", "is_internal", "subtype_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT message.id
                FROM mail_message AS message
                LEFT JOIN mail_message_subtype AS subtype
                    ON message.subtype_id = subtype.id
                WHERE message.id = ANY(%s)
                    AND message.model = %s
                    AND (
                        message.is_internal IS TRUE
                        OR message.subtype_id IS NULL
                        OR subtype.internal IS TRUE
                    )
                """,
                allowed.ids,
                self._subscription_portal_internal_model,
            )
        )
        return forbidden + self.browse(id_ for [id_] in rows)
