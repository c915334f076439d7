"""Kubernetes apps as the customer portal shows and changes them.

The portal never talks to the cluster: every change goes through the same
action methods as the backend (:meth:`action_restart`,
:meth:`action_redeploy`), which only queue work for the provisioning cron.
The ``_portal_*`` methods add the checks a customer is held to on top of the
backend's, and are meant to be called on a sudoed record after the
controller's access check.
"""

import logging
import uuid

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty

_logger = logging.getLogger(__name__)

#: States in which a customer may restart, redeploy or reconfigure an app.
CHANGE_STATES = ("running", "failed")
#: Fields whose tracked changes the portal history shows.
PORTAL_TRACKED_FIELDS = ("state",)
#: Most entries of the portal history.
HISTORY_LIMIT = 50


class KubernetesApp(models.Model):
    """Kubernetes app, reachable from the customer portal."""

    _name = "kubernetes.app"
    _inherit = ["kubernetes.app", "portal.mixin"]

    # The applied objects describe the operator's setup (images, resources,
    # every key of the Secret): keep them from portal users, who may read their
    # own apps.
    applied_objects = fields.Text(groups="kubernetes_base.group_kubernetes_user")

    @api.model_create_multi
    def create(self, vals_list):
        # Every app gets a token of its own when it is created, so that mails
        # can link it at once. Not a field default: Odoo computes a default
        # once and writes it into every existing row when the column is added,
        # which would give all apps of an installed database one token.
        for vals in vals_list:
            if not vals.get("access_token"):
                vals["access_token"] = str(uuid.uuid4())
        return super().create(vals_list)

    # A compute method assigns and returns nothing, as portal.mixin's does.
    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for app in self:
            app.access_url = f"/my/apps/{app.id}"

    # -- actions ------------------------------------------------------------

    def _get_change_problem(self):
        """Return why the customer cannot restart, redeploy or reconfigure the
        app now; an empty string when they can.

        Stricter than the backend's own checks: no other work may wait, so a
        customer never queues a deploy over work an operator asked for.
        """
        self.ensure_one()
        if self.pending_action:
            return _(
                "The app %(name)s has work waiting (%(action)s): try again once "
                "it is done.",
                name=self.name,
                action=dict(
                    self._fields["pending_action"]._description_selection(self.env)
                )[self.pending_action],
            )
        if self.state not in CHANGE_STATES:
            return _(
                "The app %(name)s is %(state)s: it can be changed only when it is "
                "running or failed.",
                name=self.name,
                state=self._portal_get_status_label(),
            )
        return ""

    def action_preview(self):
        """Open the app's portal page as its customer sees it; returns an URL
        action."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": self.get_portal_url(),
        }

    # -- portal -------------------------------------------------------------

    def _portal_get_status_label(self):
        """Return the app's status in words, in the user's language."""
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env)).get(
            self.state, ""
        )

    def _portal_get_status_reason(self):
        """Return the sentence shown beside the status, or an empty string.

        Only sentences written for the customer, in their language: a
        suspended app gives why it was suspended, a failed app or a pending
        retry a generic sentence. The cluster's own texts (``last_error``,
        ``status_message``) may name hosts or service accounts and are never
        shown.
        """
        self.ensure_one()
        if self.state == "suspended":
            return self.suspend_reason or _("The app is suspended; its data is kept.")
        if self.pending_action and self.attempt_count > 0:
            return _(
                "A temporary problem with the cluster; it is retried automatically."
            )
        if self.state == "failed":
            return _(
                "The last change could not be completed; our team has the details."
            )
        return ""

    def _portal_can_act(self):
        """Return True when the customer may restart, redeploy or reconfigure."""
        return not self._get_change_problem()

    def _portal_check_action(self):
        """Raise a :class:`UserError` when the customer cannot change the app."""
        problem = self._get_change_problem()
        if problem:
            raise UserError(problem)

    def _portal_restart(self):
        """Restart the app for the customer; returns True."""
        self.ensure_one()
        self._portal_check_action()
        return self.action_restart()

    def _portal_redeploy(self):
        """Redeploy the app for the customer; returns True."""
        self.ensure_one()
        self._portal_check_action()
        return self.action_redeploy()

    def _portal_get_editable_entries(self):
        """Return the configuration entries the customer may change."""
        self.ensure_one()
        return self.config_map_ids.filtered("customer_editable")

    def _portal_update_config(self, values):
        """Store the customer's configuration values, then redeploy.

        Every value is checked before anything is written, with the backend's
        own rules; the write goes through the ORM, so the constraints of
        ``kubernetes.config.value`` apply too. The caller runs this inside a
        savepoint and rolls back on an error.

        :param values: dict of configuration entry id to the new text; the
            value of a secret entry is kept when its text is empty
        :returns: the entries whose value changed; when empty, nothing was
            written and no redeploy was queued
        :raises UserError: unknown or non-editable entry, app not ready
        :raises ValidationError: a value the backend refuses
        """
        self.ensure_one()
        self._portal_check_action()

        entries = self.config_map_ids.filtered(lambda entry: entry.id in values)
        if set(values) - set(entries.ids):
            raise UserError(
                _(
                    "This configuration entry does not belong to the app %(name)s.",
                    name=self.name,
                )
            )
        entries._portal_check_editable()

        changes = []
        for entry in entries:
            text = values[entry.id]
            if entry.is_secret and not text:
                continue
            entry._portal_check_value(text)
            if text != entry.value:
                changes.append((entry, text))
        if not changes:
            return self.env["kubernetes.config.map"]

        for entry, text in changes:
            entry.write({"value": text})
        changed = self.env["kubernetes.config.map"].union(
            *(entry for entry, _text in changes)
        )
        self.message_post(
            body=_(
                "Configuration changed by the customer: %(keys)s.",
                keys=", ".join(changed.key_id.mapped("key")),
            )
        )
        _logger.info(
            "app %s: %d configuration entries changed from the portal",
            self.name,
            len(changed),
        )
        self.action_redeploy()
        return changed

    def _portal_get_history_domain(self):
        """Return the domain of the app's messages whose text the customer may
        read.

        Core's rule for portal users: neither marked internal nor of an
        internal subtype. That keeps the provisioning steps (public subtype)
        and the messages sent to followers, and leaves out internal notes,
        completed activities and the provisioning faults with their cluster
        texts.
        """
        self.ensure_one()
        return [
            ("model", "=", self._name),
            ("res_id", "=", self.id),
            ("message_type", "in", ("comment", "notification")),
            *self.env["mail.message"]._get_search_domain_share(),
        ]

    def _portal_get_tracking_domain(self):
        """Return the domain of the app's messages tracking a change of the
        fields in :data:`PORTAL_TRACKED_FIELDS`; only those changes are shown
        of them, as tracking messages are internal."""
        self.ensure_one()
        return [
            ("model", "=", self._name),
            ("res_id", "=", self.id),
            ("tracking_value_ids.field_id.name", "in", PORTAL_TRACKED_FIELDS),
        ]

    def _portal_get_history(self, limit=HISTORY_LIMIT):
        """Return the app's provisioning history, newest first.

        The queries do not depend on the number of messages: the tracked
        changes of all of them are formatted at once.

        :param limit: most entries returned
        :returns: a list of dicts with ``date`` (datetime), ``author`` (a name
            or an empty string), ``body`` (sanitised HTML, possibly empty) and
            ``changes`` (a list of ``(field label, old value, new value)`` of
            the fields in :data:`PORTAL_TRACKED_FIELDS`)
        """
        self.ensure_one()
        Message = self.env["mail.message"].sudo()
        order = "date desc, id desc"
        readable = Message.search(
            self._portal_get_history_domain(), order=order, limit=limit
        )
        tracking = Message.search(
            self._portal_get_tracking_domain(), order=order, limit=limit
        )
        messages = (readable | tracking).sorted(
            lambda message: (message.date, message.id), reverse=True
        )[:limit]

        trackings = messages.tracking_value_ids.filtered(
            lambda tracking: tracking.field_id.name in PORTAL_TRACKED_FIELDS
        )
        formatted = {
            change["id"]: change for change in trackings._tracking_value_format()
        }
        history = []
        for message in messages:
            changes = [
                (
                    formatted[tracking.id]["changedField"],
                    formatted[tracking.id]["oldValue"]["value"] or "",
                    formatted[tracking.id]["newValue"]["value"] or "",
                )
                for tracking in message.tracking_value_ids
                if tracking.id in formatted
            ]
            body = Markup()
            if message in readable and not is_html_empty(message.body):
                body = message.body
            if not body and not changes:
                continue
            history.append(
                {
                    "date": message.date,
                    "author": message.author_id.name or "",
                    "body": body,
                    "changes": changes,
                }
            )
        return history
