from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .common import KubernetesPortalCase


@tagged("post_install", "-at_install")
class TestPortalActions(KubernetesPortalCase):
    """Restart, redeploy and configuration changes posted from the portal."""

    def _url(self, action, app=None):
        return f"{(app or self.app_a).access_url}/{action}"

    # -- restart and redeploy -------------------------------------------------

    def test_redeploy(self):
        self._login(self.user_a)
        response = self._post(self._url("redeploy"))
        self.assertRedirectsTo(response, self.app_a.access_url)
        self.assertIn("message=redeploy_queued", response.headers["Location"])
        self.assertQueued(self.app_a)
        self.assertFalse(self.app_a.restarted_at)
        self.assertIn(
            ("Deploy queued.", "Anna Alpha"),
            [
                (message.preview, message.author_id.name)
                for message in self.app_a.message_ids
            ],
        )

        page = self._get(response.headers["Location"]).text
        self.assertIn("The redeploy is queued", page)

    def test_redeploy_failed_app(self):
        self.app_a.write({"state": "failed", "last_error": "Timeout"})
        self._login(self.user_a)
        self._post(self._url("redeploy"))
        self.assertQueued(self.app_a)
        self.assertFalse(self.app_a.last_error)

    def test_restart(self):
        self._login(self.user_a)
        response = self._post(self._url("restart"))
        self.assertRedirectsTo(response, self.app_a.access_url)
        self.assertIn("message=restart_queued", response.headers["Location"])
        self.assertQueued(self.app_a)
        self.assertTrue(self.app_a.restarted_at)
        self.assertIn("Restart requested.", self.app_a.message_ids.mapped("preview"))

    def test_action_refused_when_not_ready(self):
        for state in ("draft", "deploying", "suspended", "deleted"):
            self.app_a.write({"state": state})
            self._login(self.user_a)
            for action in ("restart", "redeploy"):
                response = self._post(self._url(action))
                self.assertEqual(response.status_code, 200)
                self.assertIn('id="kubernetes_app_error"', response.text)
                self.assertIn("it can be changed only when it is", response.text)
                self.assertNotQueued(self.app_a, state=state)
                self.assertFalse(self.app_a.restarted_at)

    def test_action_refused_when_work_waits(self):
        self.app_a.action_suspend()
        self._login(self.user_a)
        response = self._post(self._url("redeploy"))
        self.assertIn("has work waiting (Suspend)", response.text)
        self.app_a.invalidate_recordset()
        self.assertEqual(self.app_a.pending_action, "suspend")

    def test_get_is_not_an_action(self):
        self._login(self.user_a)
        response = self._get(self._url("redeploy"))
        self.assertIn(response.status_code, (404, 405))
        self.assertNotQueued(self.app_a)

    @mute_logger("odoo.http")
    def test_missing_or_bad_csrf(self):
        self._login(self.user_a)
        for action in ("restart", "redeploy", "config"):
            data = {f"value_{self.entry_git_repos.id}": "changed"}
            response = self._post(self._url(action), data, csrf=False)
            self.assertEqual(response.status_code, 400)
            data["csrf_token"] = "0" * 40 + "o9999999999"
            response = self._post(self._url(action), data, csrf=False)
            self.assertEqual(response.status_code, 400)
        self.assertNotQueued(self.app_a)
        self.assertEqual(
            self.entry_git_repos.value, self.entry_git_repos.value_id.value
        )
        self.assertNotEqual(self.entry_git_repos.value, "changed")

    def test_with_access_token(self):
        token = self.app_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self._post(self._url("redeploy"), {"access_token": token})
        self.assertRedirectsTo(response, self.app_a.access_url)
        self.assertIn(f"access_token={token}", response.headers["Location"])
        self.assertQueued(self.app_a)

    def test_with_wrong_token(self):
        self.app_a._portal_ensure_token()
        self.authenticate(None, None)
        for action in ("restart", "redeploy", "config"):
            data = {
                "access_token": "wrong",
                f"value_{self.entry_git_repos.id}": "changed",
            }
            response = self._post(self._url(action), data)
            self.assertNotFound(response)
        self.assertNotQueued(self.app_a)
        self.assertNotEqual(self.entry_git_repos.value, "changed")

    def test_unknown_app(self):
        self._login(self.user_a)
        for action in ("restart", "redeploy", "config"):
            response = self._post(f"/my/apps/{self.app_b.id + 100000}/{action}")
            self.assertNotFound(response)

    # -- configuration --------------------------------------------------------

    def _post_config(self, values, app=None):
        data = {f"value_{entry.id}": text for entry, text in values.items()}
        return self._post(self._url("config", app), data)

    def test_config_saved_and_redeployed(self):
        self._login(self.user_a)
        response = self._post_config(
            {
                self.entry_git_repos: "git@github.com/oca/web#18",
                self.entry_api_token: "tok-2",
            }
        )
        self.assertRedirectsTo(response, self.app_a.access_url)
        self.assertIn("message=config_saved", response.headers["Location"])
        self.env.invalidate_all()
        self.assertEqual(self.entry_git_repos.value, "git@github.com/oca/web#18")
        self.assertEqual(self.entry_api_token.value, "tok-2")
        self.assertQueued(self.app_a)
        notes = self.app_a.message_ids.mapped("preview")
        self.assertIn(
            "Configuration changed by the customer: GIT_REPOS, PORTAL_TEST_API_TOKEN.",
            notes,
        )
        self.assertFalse(any("tok-2" in note for note in notes))

        page = self._get(response.headers["Location"]).text
        self.assertIn("The configuration is saved", page)
        self.assertNotIn("tok-2", page)

    def test_config_empty_secret_is_kept(self):
        self._login(self.user_a)
        original = self.entry_git_repos.value
        response = self._post_config(
            {self.entry_git_repos: original, self.entry_api_token: ""}
        )
        self.assertIn("message=config_unchanged", response.headers["Location"])
        self.env.invalidate_all()
        self.assertEqual(self.entry_api_token.value, "tok-1")
        self.assertNotQueued(self.app_a)

    def test_config_empty_value_is_a_value(self):
        self._login(self.user_a)
        self._post_config({self.entry_git_repos: ""})
        self.env.invalidate_all()
        self.assertEqual(self.entry_git_repos.value, "")
        self.assertQueued(self.app_a)

    def _assert_config_refused(self, response, message):
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="kubernetes_app_error"', response.text)
        self.assertIn(message, response.text)
        self.env.invalidate_all()
        self.assertNotQueued(self.app_a)
        self.assertEqual(self.entry_api_token.value, "tok-1")
        self.assertEqual(self.entry_revision.value, "17.0.20241104")
        self.assertNotIn(
            "Configuration changed", self.app_a.message_ids.mapped("preview")
        )

    def test_config_refuses_non_editable_entry(self):
        self._login(self.user_a)
        response = self._post_config(
            {self.entry_api_token: "tok-2", self.entry_revision: "18.0"}
        )
        self._assert_config_refused(
            response,
            "The configuration entry REVISION cannot be changed from the portal.",
        )
        response = self._post_config({self.entry_db_password: "guess"})
        self._assert_config_refused(
            response, "PORTAL_TEST_DB_PASSWORD cannot be changed"
        )
        self.assertEqual(self.entry_db_password.value, self.secret_value)

    def test_config_refuses_invalid_values(self):
        self._login(self.user_a)
        response = self._post_config(
            {self.entry_api_token: "tok-2", self.entry_git_repos: "x" * 5000}
        )
        self._assert_config_refused(response, "holds at most 4096 characters")
        # The page keeps what was typed, except secrets.
        self.assertIn("x" * 5000, response.text)
        self.assertNotIn("tok-2", response.text)

        response = self._post_config({self.entry_git_repos: "a\x00b"})
        self._assert_config_refused(response, "cannot contain a null character")

    def test_config_refuses_foreign_or_unknown_entry(self):
        foreign = self._get_entry(self.app_b, self.key_git_repos)
        self._login(self.user_a)
        response = self._post_config(
            {self.entry_api_token: "tok-2", foreign: "hijacked"}
        )
        self._assert_config_refused(response, "does not belong to the app alpha-prod")
        self.assertNotEqual(foreign.value, "hijacked")

        data = {"value_abc": "x", f"value_{self.entry_api_token.id}": "tok-2"}
        response = self._post(self._url("config"), data)
        self._assert_config_refused(response, "unknown configuration entry")

        response = self._post(self._url("config"), {"value_999999999": "x"})
        self._assert_config_refused(response, "does not belong to the app alpha-prod")

    def test_config_refused_when_not_ready(self):
        self.app_a.write({"state": "suspended"})
        self._login(self.user_a)
        response = self._post_config({self.entry_api_token: "tok-2"})
        self.assertIn("it can be changed only when it is", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.entry_api_token.value, "tok-1")
        self.assertEqual(self.app_a.state, "suspended")

    def test_config_nothing_posted(self):
        self._login(self.user_a)
        response = self._post(self._url("config"))
        self.assertIn("message=config_unchanged", response.headers["Location"])
        self.assertNotQueued(self.app_a)
