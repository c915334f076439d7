from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import tagged

from .common import KubernetesPortalCase

#: Queries of the portal history, whatever its length.
HISTORY_QUERIES = 7


@tagged("post_install", "-at_install")
class TestKubernetesApp(KubernetesPortalCase):
    """The model side: access URL, the portal's checks and history."""

    def test_access_url(self):
        self.assertEqual(self.app_a.access_url, f"/my/apps/{self.app_a.id}")

    def test_portal_restart_queues_a_deploy(self):
        self.app_a._portal_restart()
        self.assertQueued(self.app_a)
        self.assertTrue(self.app_a.restarted_at)

    def test_portal_restart_keeps_any_pending_work(self):
        # The backend lets a restart join a pending deploy; a customer waits.
        self.app_a.action_redeploy()
        self.app_a.write({"state": "running"})
        with self.assertRaisesRegex(UserError, "has work waiting"):
            self.app_a._portal_restart()
        self.assertFalse(self.app_a.restarted_at)

    def test_portal_checks(self):
        self.assertTrue(self.app_a._portal_can_act())
        self.app_a.write({"state": "deploying"})
        self.assertFalse(self.app_a._portal_can_act())
        with self.assertRaises(UserError):
            self.app_a._portal_redeploy()
        with self.assertRaises(UserError):
            self.app_a._portal_restart()

    def test_update_config(self):
        changed = self.app_a._portal_update_config(
            {self.entry_git_repos.id: "repo#1", self.entry_api_token.id: ""}
        )
        self.assertEqual(changed, self.entry_git_repos)
        self.assertEqual(self.entry_git_repos.value, "repo#1")
        self.assertEqual(self.entry_api_token.value, "tok-1")
        self.assertQueued(self.app_a)

    def test_update_config_checks_everything_first(self):
        with self.assertRaises(ValidationError):
            self.app_a._portal_update_config(
                {self.entry_api_token.id: "tok-2", self.entry_git_repos.id: "a\x00"}
            )
        self.assertEqual(self.entry_api_token.value, "tok-1")
        with self.assertRaises(UserError):
            self.app_a._portal_update_config(
                {self.entry_api_token.id: "tok-2", self.entry_revision.id: "18.0"}
            )
        self.assertEqual(self.entry_api_token.value, "tok-1")
        self.assertNotQueued(self.app_a)

    def test_template_entries_are_never_editable(self):
        template = self.product.product_tmpl_id.config_map_template_ids.filtered(
            lambda entry: entry.key_id == self.key_git_repos
        )
        with self.assertRaises(UserError):
            template._portal_check_editable()

    def test_history(self):
        self.app_a.action_redeploy()
        self.app_a.message_post(
            body="Internal: do not show",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.app_a.message_post(
            body="Your app moves to a new node tonight.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        # A notification without a subtype given is a note: internal.
        self.app_a.message_post(body="Lifecycle note: do not show either")
        self.app_a.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call alpha: do not show"
        ).action_feedback(feedback="Called, do not show")
        self.app_a.message_post(
            body="Attempt failed: do not show",
            subtype_xmlid="kubernetes_base.mt_app_provisioning_fault",
        )
        self._flush_tracking()
        history = self.app_a._portal_get_history()
        bodies = [str(entry["body"]) for entry in history]
        self.assertTrue(any("Deploy queued." in body for body in bodies))
        self.assertTrue(any("new node tonight" in body for body in bodies))
        self.assertFalse(any("do not show" in body for body in bodies), bodies)
        changes = [change for entry in history for change in entry["changes"]]
        self.assertIn(("Status", "Running", "Queued"), changes)
        self.assertEqual(
            history, sorted(history, key=lambda e: e["date"], reverse=True)
        )

    def test_display_value(self):
        self.assertEqual(self.entry_db_password._portal_get_display_value(), "••••••••")
        self.assertEqual(
            self.entry_revision._portal_get_display_value(), "17.0.20241104"
        )


@tagged("post_install", "-at_install", "is_query_count")
class TestHistoryQueries(KubernetesPortalCase):
    """The portal history costs the same queries for 2 entries or 22, and
    formats the tracked changes of all entries at once."""

    def _count_history_queries(self):
        """Return the number of entries of the history and the queries that
        reading it costs with a cold record cache (the ORM caches warm)."""
        self.app_a._portal_get_history()
        self.env.invalidate_all()
        with self.assertQueryCount(HISTORY_QUERIES):
            before = self.env.cr.sql_log_count
            history = self.app_a._portal_get_history()
            count = self.env.cr.sql_log_count - before
        return len(history), count

    def test_history_queries_do_not_grow(self):
        """The tracked changes are formatted once for the whole history."""
        self.app_a.action_redeploy()
        self._flush_tracking()
        entries, queries = self._count_history_queries()
        self.assertEqual(entries, 2)
        for state in ("deploying", "running", "failed", "queued") * 5:
            self.app_a.write({"state": state})
            self._flush_tracking()
        self.assertEqual(self._count_history_queries(), (22, queries))

        Tracking = type(self.env["mail.tracking.value"])
        original = Tracking._tracking_value_format
        with patch.object(
            Tracking, "_tracking_value_format", autospec=True, side_effect=original
        ) as format_trackings:
            self.app_a._portal_get_history()
        format_trackings.assert_called_once()
