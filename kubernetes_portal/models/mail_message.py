from odoo import models


class MailMessage(models.Model):
    """Message, kept from portal users when it is internal to an app."""

    _inherit = "mail.message"

    def _get_forbidden_access(self, operation):
        """Add the internal messages of apps to those a portal user may not
        reach.

        Core forbids internal comments only: internal notifications (notes
        posted by code, completed activities, tracking, provisioning faults)
        of an app would stay readable by id, through the ORM, to the app's
        portal users. The portal pages read what they show with sudo.
        """
        forbidden = super()._get_forbidden_access(operation)
        if self.env.user._is_internal():
            return forbidden
        internal = (
            (self - forbidden)
            .sudo()
            .filtered(
                lambda message: (
                    message.model == "kubernetes.app"
                    and (
                        message.is_internal
                        or not message.subtype_id
                        or message.subtype_id.internal
                    )
                )
            )
        )
        return forbidden + self.browse(internal.ids)
