import smtplib
from unittest.mock import MagicMock, patch

from lxml import html

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_mail_server import IrMailServer

from ..models.kubernetes_app import PASSWORD_MARKER, PASSWORD_MASK
from .common import AppShopCase


@tagged("post_install", "-at_install")
class TestInvitation(AppShopCase):
    """The customer gets the address and the password once, and the password
    is stored nowhere but in the app's Secret."""

    def _running_app(self, name="acme"):
        order = self._create_order(app_names=(name,))
        order.action_confirm()
        app = self._apps(sale_order_id=order.id)
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")
        return app

    def _invitations(self, app):
        return self.env["mail.mail"].search(
            [("kubernetes_invitation_app_id", "=", app.id)]
        )

    def assertStoredNowhere(self, secret, app, logs):
        """Assert that ``secret`` is in no log line, message, mail or field."""
        self.assertTrue(logs, "the log was captured")
        for line in logs:
            self.assertNotIn(secret, line)
        self.env.flush_all()
        self.assertFalse(self.env["mail.message"].search([("body", "ilike", secret)]))
        self.assertFalse(self.env["mail.mail"].search([("body_html", "ilike", secret)]))
        self.assertFalse(
            self.env["mail.tracking.value"].search(
                [
                    "|",
                    ("old_value_char", "ilike", secret),
                    ("new_value_char", "ilike", secret),
                ]
            )
        )
        for value in app.read()[0].values():
            self.assertNotIn(secret, str(value))

    def test_first_run_mails_the_address_and_the_password_once(self):
        with self._capture_logs() as logs:
            app = self._running_app()
            password = self._credentials(app)["admin_password"]
            mail = self._invitations(app)

            self.assertEqual(len(mail), 1)
            self.assertIn(app.url, mail.body_html)
            self.assertNotIn(password, mail.body_html)
            self.assertEqual(mail.recipient_ids, self.customer)
            self.assertTrue(mail.auto_delete)
            self.assertFalse(mail.model, "the invitation is not on any chatter")
            self.assertFalse(app.credentials_to_send)
            self.assertTrue(app.invitation_date)

            with self._capture_emails() as emails:
                mail.send()

            self.assertEqual(len(emails), 1)
            body = emails[0]["body"]
            self.assertIn(app.url, body)
            self.assertIn(password, body)
            self.assertIn(password, emails[0]["body_alternative"])
            self.assertIn(">admin<", body)
            self.assertFalse(mail.exists(), "the sent invitation is deleted")
            self.assertIn("Invitation sent to Ada Shop", app.message_ids[0].body)

            # Running again (a redeploy) sends nothing more.
            app.action_redeploy()
            self._process(app, runs=2)
            self.assertFalse(self._invitations(app))

        self.assertStoredNowhere(password, app, logs)

    def test_send_new_credentials(self):
        app = self._running_app()
        old_password = self._credentials(app)["admin_password"]
        with self._capture_emails():
            self._invitations(app).send()

        with self._capture_logs() as logs:
            app.with_user(self.manager).action_send_new_credentials()
            self.assertTrue(app.credentials_to_send)
            self.assertFalse(self._invitations(app), "nothing is mailed before it runs")
            self._process(app, runs=2)

            new_password = self._credentials(app)["admin_password"]
            self.assertNotEqual(new_password, old_password)
            with self._capture_emails() as emails:
                self._invitations(app).send()

        self.assertEqual(len(emails), 1)
        self.assertIn(new_password, emails[0]["body"])
        self.assertNotIn(old_password, emails[0]["body"])
        self.assertFalse(app.credentials_to_send)
        self.assertStoredNowhere(new_password, app, logs)

    def test_the_inbox_preview_holds_no_password(self):
        # The layout copies the first lines of the text into a hidden preview
        # that inbox lists and lock screens show; the credentials come within
        # those lines.
        app = self._running_app()
        password = self._credentials(app)["admin_password"]
        with self._capture_emails() as emails:
            self._invitations(app).send()

        body = emails[0]["body"]
        document = html.fromstring(body)
        preview = document.xpath("//div[contains(@style, 'display: none')]")[0]
        self.assertIn("Password", preview.text_content(), "the preview is the text")
        self.assertNotIn(password, preview.text_content())
        self.assertIn(PASSWORD_MASK, preview.text_content())
        self.assertEqual(
            document.get_element_by_id("kubernetes_app_password").text, password
        )
        self.assertEqual(body.count(password), 1, "in the credentials table only")
        self.assertEqual(emails[0]["body_alternative"].count(password), 1)
        self.assertNotIn(PASSWORD_MARKER, body)

    def test_a_body_without_a_place_for_the_password_fails_the_mail(self):
        app = self._running_app()
        mail = self._invitations(app)
        mail.body_html = f"<p>Your password: {PASSWORD_MARKER}</p>"
        with (
            self._capture_emails() as emails,
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            mail.send()
        self.assertFalse(emails)
        self.assertEqual(mail.state, "exception")
        self.assertIn("no place for the password", mail.failure_reason)

    def test_a_rotation_interrupted_by_a_suspend_mails_the_new_password(self):
        app = self._running_app()
        subscription = app.subscription_id
        old_password = self._credentials(app)["admin_password"]
        with self._capture_emails():
            self._invitations(app).send()

        with self._capture_logs() as logs:
            app.with_user(self.manager).action_send_new_credentials()
            # The subscription closes before the cron deployed the rotation.
            self._close(subscription)
            self.assertEqual(app.pending_action, "suspend")
            self.assertIn("is closed", app.suspend_reason)
            self._process(app)
            self.assertEqual(app.state, "suspended")
            self.assertTrue(app.rotate_credentials, "the rotation waits")
            self.assertTrue(app.credentials_to_send)
            self.assertFalse(self._invitations(app), "nothing is mailed while down")
            self.assertEqual(self._credentials(app)["admin_password"], old_password)

            subscription.action_start_subscription()
            self._process(app, runs=2)
            self.assertEqual(app.state, "running")
            self.assertFalse(app.rotate_credentials)
            self.assertFalse(app.suspend_reason)
            new_password = self._credentials(app)["admin_password"]
            self.assertNotEqual(new_password, old_password)
            with self._capture_emails() as emails:
                self._invitations(app).send()

        self.assertEqual(len(emails), 1)
        self.assertIn(new_password, emails[0]["body"])
        self.assertNotIn(old_password, emails[0]["body"])
        self.assertFalse(app.credentials_to_send)
        self.assertStoredNowhere(new_password, app, logs)

    def test_only_managers_send_new_credentials(self):
        app = self._running_app()
        user = new_test_user(
            self.env,
            login="app_shop_k8s_user",
            groups="base.group_user,kubernetes_base.group_kubernetes_user",
        )
        with self.assertRaises(AccessError):
            app.with_user(user).action_send_new_credentials()

    def test_a_failed_sending_keeps_no_password(self):
        app = self._running_app()
        password = self._credentials(app)["admin_password"]
        mail = self._invitations(app)
        with (
            self._capture_logs() as logs,
            patch.object(
                IrMailServer,
                "send_email",
                autospec=True,
                side_effect=smtplib.SMTPException("relay refused"),
            ),
        ):
            mail.send()

        self.assertEqual(mail.state, "exception")
        self.assertIn("relay refused", mail.failure_reason)
        self.assertNotIn(password, mail.body_html)
        self.assertStoredNowhere(password, app, logs)

    def test_no_secret_on_the_cluster_fails_the_mail_with_a_reason(self):
        app = self._running_app()
        mail = self._invitations(app)
        self.env["kubernetes.dry_run.object"].search(
            [("company_id", "=", self.company.id)]
        ).unlink()
        with mute_logger("odoo.addons.mail.models.mail_mail"):
            mail.send()
        self.assertEqual(mail.state, "exception")
        self.assertIn("not on the cluster", mail.failure_reason)

    def test_an_http_request_leaves_the_invitation_to_the_mail_queue(self):
        app = self._running_app()
        mail = self._invitations(app)
        with (
            patch(
                "odoo.addons.website_sale_kubernetes_subscription_oca.models.mail_mail."
                "request",
                MagicMock(),
            ),
            self._capture_emails() as emails,
        ):
            mail.send()
        self.assertFalse(emails)
        self.assertEqual(mail.state, "outgoing")

    def test_an_administrator_sends_the_queue_by_hand(self):
        # Outside a web request, e.g. from an Odoo shell (the external API is
        # a web request: its invitations are left to the mail queue): the
        # outcome of a mail of no document is recorded as superuser, sent
        # exactly once.
        app = self._running_app()
        administrator = new_test_user(
            self.env, login="app_shop_admin", groups="base.group_user,base.group_system"
        )
        mail = self._invitations(app)
        with self._capture_emails() as emails:
            mail.with_user(administrator).send()
        self.assertEqual(len(emails), 1)
        self.assertFalse(mail.exists())

    def test_a_customer_without_email_gets_a_note(self):
        self.customer.email = False
        with self.assertLogs(
            "odoo.addons.website_sale_kubernetes_subscription_oca.models.kubernetes_app",
            "WARNING",
        ) as logs:
            app = self._running_app()
        self.assertIn("no email address", logs.output[0])
        self.assertFalse(self._invitations(app))
        self.assertFalse(app.credentials_to_send)
        self.assertIn("no email address", app.message_ids[0].body)
