from odoo import models


class MailMessage(models.Model):
    """Message, kept from portal users when it is internal to a subscription."""

    _inherit = "mail.message"

    def _get_forbidden_access(self, operation):
        """Add the internal messages of subscriptions to those a portal user may
        not reach.

        Core forbids internal comments only: internal notifications (notes
        posted by code, such as the notes of the shop on unpaid invoices;
        completed activities; tracking) of a subscription would stay readable
        by id, through the ORM, to its portal users.
        """
        forbidden = super()._get_forbidden_access(operation)
        if self.env.user._is_internal():
            return forbidden
        internal = (
            (self - forbidden)
            .sudo()
            .filtered(
                lambda message: (
                    message.model == "sale.subscription"
                    and (
                        message.is_internal
                        or not message.subtype_id
                        or message.subtype_id.internal
                    )
                )
            )
        )
        return forbidden + self.browse(internal.ids)
