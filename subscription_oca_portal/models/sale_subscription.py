"""Portal side of the OCA subscription: access URL, tokens and closing."""

import logging
import uuid

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.mail import plaintext2html

_logger = logging.getLogger(__name__)


class SaleSubscription(models.Model):
    """OCA subscription, reachable from the customer portal."""

    _name = "sale.subscription"
    _inherit = ["sale.subscription", "portal.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        # Every subscription gets a token of its own when it is created: the
        # page's chatter needs it to post. Not a field default: Odoo computes a
        # default once and writes it into every existing row when the column is
        # added, which would give all subscriptions of an installed database one
        # token.
        for vals in vals_list:
            if not vals.get("access_token"):
                vals["access_token"] = str(uuid.uuid4())
        return super().create(vals_list)

    def _compute_access_url(self):
        """Point every subscription to its portal page."""
        for subscription in self:
            subscription.access_url = f"/my/subscriptions/{subscription.id}"

    def _portal_can_close(self):
        """Tell whether the customer may close this subscription.

        :return: True for a running subscription, as the backend's
            "Close subscription" button, False otherwise.
        """
        self.ensure_one()
        return self.in_progress and self.stage_id.type != "post"

    def _portal_close(self, close_reason, comment=None, author=None):
        """Close the subscription the way the backend close wizard does.

        The checks come first, so a refused request changes nothing. The caller
        is expected to have checked the customer's access already and to call
        this on a sudoed record.

        :param close_reason: a ``sale.subscription.close.reason`` record
        :param str comment: optional free text from the customer, posted as a
            note on the subscription
        :param author: ``res.partner`` shown as the note's author
        :raise UserError: when the reason is missing or the subscription is
            closed already or not running
        :return: True
        """
        self.ensure_one()
        if not close_reason.exists():
            raise UserError(
                self.env._("Please choose a reason for closing the subscription.")
            )
        if self.stage_id.type == "post":
            raise UserError(
                self.env._("Subscription %(name)s is closed already.", name=self.name)
            )
        if not self._portal_can_close():
            raise UserError(
                self.env._(
                    "Subscription %(name)s is not running and cannot be closed "
                    "from the portal.",
                    name=self.name,
                )
            )

        # Same path as the backend: the wizard calls close_subscription().
        wizard = (
            self.env["close.reason.wizard"]
            .with_context(active_id=self.id, active_model=self._name)
            .create({"close_reason_id": close_reason.id})
        )
        wizard.button_confirm()
        _logger.info(
            "subscription %s closed from the portal (reason %s)",
            self.name,
            close_reason.id,
        )

        self._portal_post_close_note(close_reason, comment, author)
        return True

    def _portal_post_close_note(self, close_reason, comment=None, author=None):
        """Leave an internal note saying who closed the subscription and why.

        :param close_reason: the ``sale.subscription.close.reason`` chosen
        :param str comment: the customer's free text, if any
        :param author: ``res.partner`` to post as; the customer by default
        :return: the posted ``mail.message``
        """
        self.ensure_one()
        body = Markup("<p>%s</p>") % self.env._(
            "Closed by the customer from the portal. Reason: %(reason)s",
            reason=close_reason.name,
        )
        if comment and comment.strip():
            body += plaintext2html(comment.strip())
        return self.message_post(
            body=body,
            author_id=(author or self.partner_id).id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
