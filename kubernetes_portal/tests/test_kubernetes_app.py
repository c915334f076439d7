from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import tagged

from ..hooks import give_access_tokens, post_init_hook
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

    def test_the_message_check_reads_no_message_body(self):
        """The check that keeps internal messages from portal users is one
        query: it loads no message, so no body."""
        public = self.app_a.message_post(
            body="Your app moves to a new node tonight.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        note = self.app_a.message_post(body="Lifecycle note: internal")
        self.env.flush_all()
        self.env.invalidate_all()
        messages = (public | note).with_user(self.user_a)

        self.assertEqual(messages._get_forbidden_access("read"), note)
        body = messages._fields["body"]
        self.assertFalse(
            [message for message in messages if self.env.cache.contains(message, body)]
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


@tagged("post_install", "-at_install")
class TestAccessTokens(KubernetesPortalCase):
    """Every app has a portal access token of its own, whether it was created
    before this addon or after."""

    def _count_missing_and_shared_tokens(self):
        """Return how many apps have no token, and how many share theirs."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT count(*) - count(access_token),
                   count(access_token) - count(DISTINCT access_token)
            FROM kubernetes_app
            """
        )
        return self.env.cr.fetchone()

    def _set_tokens(self, apps, token):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE kubernetes_app SET access_token = %s WHERE id IN %s",
            (token, tuple(apps.ids)),
        )
        self.env.invalidate_all()

    def test_the_installed_apps_have_tokens_of_their_own(self):
        """The demo apps existed before this addon added the column."""
        demo = self.env.ref("kubernetes_base.kubernetes_app_demo") | self.env.ref(
            "kubernetes_base.kubernetes_app_portal_demo"
        )
        self.assertTrue(all(demo.mapped("access_token")))
        self.assertNotEqual(demo[0].access_token, demo[1].access_token)
        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))

    def test_the_install_gives_each_existing_app_its_own_token(self):
        apps = self.env["kubernetes.app"].search([])
        self._set_tokens(apps, None)
        # What the ORM does for the rows of a table that gets the column.
        self.env["kubernetes.app"]._init_column("access_token")
        self.env.invalidate_all()
        self.assertFalse(any(apps.mapped("access_token")), "no default written")

        post_init_hook(self.env)

        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))

    def test_shared_tokens_are_replaced(self):
        kept = self.app_b.access_token
        self._set_tokens(
            self.app_a | self.env.ref("kubernetes_base.kubernetes_app_demo"), "shared"
        )

        self.assertEqual(give_access_tokens(self.env), 2)

        self.assertEqual(self._count_missing_and_shared_tokens(), (0, 0))
        self.assertNotEqual(self.app_a.access_token, "shared")
        self.assertEqual(self.app_b.access_token, kept)

    def test_a_new_app_gets_a_token_of_its_own(self):
        app = self._create_app("alpha-stage", self.namespace_a, access_token=False)
        self.assertTrue(app.access_token)
        self.assertNotIn(
            app.access_token, (self.app_a | self.app_b).mapped("access_token")
        )
