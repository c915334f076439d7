from unittest import mock

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..lib import render
from ..lib.cluster import AppOperations, AppStatus
from ..lib.exceptions import ClusterUnavailableError, CredentialsError
from ..models import kubernetes_app
from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestProvisioning(KubernetesCase):
    """The app's life on the dry-run backend, retries and failures."""

    def _deployment(self, app):
        return self._dry_run_cluster().get(
            "apps/v1", "Deployment", app.namespace_id.name, app.name
        )

    def _credentials(self, app):
        with self.company._kubernetes_deployer() as deployer:
            return deployer.read_credentials(app)

    def _deploy(self, name="shop-int"):
        app = self._create_app(name)
        app.action_deploy()
        return self._process(app, runs=2)

    def test_deploy_reaches_running(self):
        app = self._create_app()
        app.action_deploy()
        self.assertEqual((app.state, app.pending_action), ("queued", "deploy"))

        self._process(app)
        self.assertEqual((app.state, app.pending_action), ("deploying", "watch"))
        self.assertIn("kind: Deployment", app.applied_objects)
        self.assertIn("kind: Ingress", app.applied_objects)

        self._process(app)
        self.assertEqual(app.state, "running")
        self.assertFalse(app.pending_action)
        self.assertTrue(app.running_date)
        self.assertTrue(self._deployment(app))

    def test_secrets_never_stored_in_odoo(self):
        app = self._deploy()
        credentials = self._credentials(app)
        self.assertEqual(set(credentials), {"admin_password", "db_password"})
        self.assertGreaterEqual(len(credentials["admin_password"]), 16)
        texts = [app.applied_objects, app.status_message or ""]
        texts += app.message_ids.mapped("body")
        texts += app.message_ids.tracking_value_ids.mapped("new_value_char")
        for secret in credentials.values():
            for text in texts:
                self.assertNotIn(secret, str(text))
        self.assertIn("********", app.applied_objects)

    def test_redeploy_keeps_credentials_rotation_changes_them(self):
        app = self._deploy()
        first = self._credentials(app)
        app.action_redeploy()
        self._process(app, runs=2)
        self.assertEqual(self._credentials(app), first)

        app.action_rotate_credentials()
        self.assertTrue(app.rotate_credentials)
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")
        self.assertFalse(app.rotate_credentials)
        rotated = self._credentials(app)
        self.assertNotEqual(rotated["admin_password"], first["admin_password"])

    def test_config_change_rolls_the_deployment(self):
        app = self._deploy()
        before = self._deployment(app)["spec"]["template"]["metadata"]["annotations"]
        app.config_map_ids.filtered(
            lambda e: e.key_id.key == "PIP_INSTALL"
        ).value = "fastapi\nkind: ClusterRole"
        app.action_redeploy()
        self._process(app, runs=2)
        deployment = self._deployment(app)
        after = deployment["spec"]["template"]["metadata"]["annotations"]
        self.assertNotEqual(
            before[render.CHECKSUM_ANNOTATION], after[render.CHECKSUM_ANNOTATION]
        )
        config = self._dry_run_cluster().get(
            "v1", "ConfigMap", app.namespace_id.name, f"{app.name}-config"
        )
        self.assertEqual(config["data"]["PIP_INSTALL"], "fastapi\nkind: ClusterRole")

    def test_suspend_and_resume(self):
        app = self._deploy()
        app.action_suspend()
        self._process(app)
        self.assertEqual(app.state, "suspended")
        self.assertEqual(self._deployment(app)["spec"]["replicas"], 0)
        claim = self._dry_run_cluster().get(
            "v1",
            "PersistentVolumeClaim",
            app.namespace_id.name,
            f"{app.name}-filestore",
        )
        self.assertTrue(claim, "suspending keeps the data")

        app.action_resume()
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")
        self.assertEqual(self._deployment(app)["spec"]["replicas"], 1)

    def _pod_annotations(self, app):
        """Return ``{kind: annotations of its pod template}`` of the app's
        Deployment and StatefulSet, as the dry-run cluster holds them."""
        cluster = self._dry_run_cluster()
        namespace = app.namespace_id.name
        return {
            kind: cluster.get("apps/v1", kind, namespace, name)["spec"]["template"][
                "metadata"
            ]["annotations"]
            for kind, name in (
                ("Deployment", app.name),
                ("StatefulSet", f"{app.name}-db"),
            )
        }

    def test_restart_rolls_the_pods_once(self):
        app = self._deploy()
        credentials = self._credentials(app)
        for annotations in self._pod_annotations(app).values():
            self.assertNotIn(render.RESTARTED_AT_ANNOTATION, annotations)

        app.action_restart()
        self.assertEqual((app.state, app.pending_action), ("queued", "deploy"))
        self.assertTrue(app.restarted_at)
        self.assertIn("Restart requested.", app.message_ids.mapped("preview"))
        self._process(app, runs=2)
        self.assertEqual(app.state, "running")
        stamp = app.restarted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        restarted = self._pod_annotations(app)
        for annotations in restarted.values():
            self.assertEqual(annotations[render.RESTARTED_AT_ANNOTATION], stamp)
        self.assertEqual(self._credentials(app), credentials)

        # A later deploy keeps the stamp, so it rolls nothing more.
        app.action_redeploy()
        self._process(app, runs=2)
        self.assertEqual(self._pod_annotations(app), restarted)

    def test_restart_refused_unless_running_or_failed(self):
        app = self._create_app()
        for state in ("draft", "queued", "deploying", "suspended", "deleted"):
            app.write({"state": state})
            with self.assertRaisesRegex(UserError, "only when it is running or failed"):
                app.action_restart()
            self.assertFalse(app.restarted_at)

    def test_restart_does_not_undo_pending_suspend(self):
        app = self._deploy()
        app.action_suspend()
        with self.assertRaisesRegex(UserError, "waiting for: Suspend"):
            app.action_restart()
        self.assertEqual(app.pending_action, "suspend")
        self.assertFalse(app.restarted_at)

    def test_delete_spares_other_apps(self):
        app = self._deploy("first")
        other = self._deploy("second")
        app.action_delete()
        self._process(app)
        self.assertEqual(app.state, "deleted")
        self.assertFalse(self._deployment(app))
        self.assertTrue(self._deployment(other))
        self.assertEqual(other.state, "running")

    def test_actions_refused_in_wrong_state(self):
        app = self._create_app()
        with self.assertRaisesRegex(UserError, "cannot be resumed"):
            app.action_resume()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            app.action_delete()
        with self.assertRaisesRegex(UserError, "objects on the cluster"):
            self._deploy("busy").unlink()

    def test_transient_failures_retry_with_growing_delays(self):
        app = self._create_app()
        app.action_deploy()
        fault = ClusterUnavailableError("The cluster did not answer within 10 s.")
        delays = []
        with (
            mock.patch.object(AppOperations, "apply", side_effect=fault),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            for attempt in range(1, kubernetes_app.MAX_ATTEMPTS):
                before = fields.Datetime.now()
                self._process(app)
                self.assertEqual(app.state, "queued")
                self.assertEqual(app.attempt_count, attempt)
                self.assertIn("did not answer", app.last_error)
                delays.append((app.next_attempt_date - before).total_seconds())
            self._process(app)
        self.assertEqual(delays, sorted(delays))
        self.assertGreater(delays[-1], delays[0])
        self.assertEqual(app.state, "failed")
        self.assertIn("Gave up after", app.last_error)
        self.assertFalse(app.pending_action)

        app.action_deploy()
        self._process(app, runs=2)
        self.assertEqual(app.state, "running", "a new deploy recovers the app")
        self.assertFalse(app.last_error)

    def test_permanent_failure_stops_at_once(self):
        app = self._create_app()
        app.action_deploy()
        fault = CredentialsError("The cluster refused the credentials (HTTP 401).")
        with (
            mock.patch.object(AppOperations, "apply", side_effect=fault),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(app)
        self.assertEqual(app.state, "failed")
        self.assertIn("HTTP 401", app.last_error)
        self.assertIn("HTTP 401", app.message_ids[0].body)

    def test_unexpected_error_fails_visibly(self):
        app = self._create_app()
        app.action_deploy()
        with (
            mock.patch.object(AppOperations, "apply", side_effect=RuntimeError("x")),
            self.assertLogs(kubernetes_app.__name__, "WARNING") as logs,
        ):
            self._process(app)
        self.assertEqual(app.state, "failed")
        self.assertIn("unexpected error", app.last_error)
        self.assertTrue(any("Traceback" in line for line in logs.output))

    def test_failed_rollout_and_deadline(self):
        app = self._create_app()
        app.action_deploy()
        self._process(app)
        failed = AppStatus("failed", "Pod r4ts: ImagePullBackOff")
        with (
            mock.patch.object(AppOperations, "status", return_value=failed),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(app)
        self.assertEqual(app.state, "failed")
        self.assertIn("ImagePullBackOff", app.last_error)

        app.action_deploy()
        self._process(app)
        waiting = AppStatus("progressing", "1 of 1 replicas updated, 0 available")
        with mock.patch.object(AppOperations, "status", return_value=waiting):
            self._process(app)
            self.assertEqual(app.state, "deploying")
            self.assertEqual(app.status_message, waiting.message)
            app.applied_date = fields.Datetime.now() - kubernetes_app.WATCH_DEADLINE * 2
            with self.assertLogs(kubernetes_app.__name__, "WARNING"):
                self._process(app)
        self.assertEqual(app.state, "failed")
        self.assertIn("did not finish", app.last_error)

    def test_test_connection_on_dry_run(self):
        action = self.company.action_kubernetes_test_connection()
        self.assertEqual(action["params"]["type"], "success")

    def test_cron_is_triggered_by_actions(self):
        cron = self.env.ref("kubernetes_base.ir_cron_kubernetes_app_process")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self._create_app().action_deploy()
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            len(triggers),
        )

    def test_secret_config_values_masked_in_applied_objects(self):
        key = self.env["kubernetes.config.key"].create({"key": "MAIL_API_TOKEN"})
        app = self._create_app()
        app.config_map_ids = [
            fields.Command.create({"key_id": key.id, "value": "s3cret-api-token"})
        ]
        app.action_deploy()
        self._process(app)
        self.assertNotIn("s3cret-api-token", app.applied_objects)
        self.assertNotIn("demo-smtp-password", app.applied_objects)
        self.assertIn("MAIL_API_TOKEN: '********'", app.applied_objects)
        self.assertIn("SMTP_PASSWORD: '********'", app.applied_objects)

    def test_secret_entries_go_to_the_secret_not_the_config_map(self):
        app = self._create_app()
        values = app._prepare_render_values({"admin_password": "x"})
        self.assertEqual(
            values["secret_config"], {"SMTP_PASSWORD": "demo-smtp-password"}
        )
        self.assertEqual(
            set(values["config"]),
            {"ENVIRONMENT", "REVISION", "GIT_REPOS", "PIP_INSTALL"},
        )
        self.assertEqual(values["secrets"], {"admin_password": "x"})

        app.action_deploy()
        self._process(app)
        namespace = app.namespace_id.name
        config = self._dry_run_cluster().get(
            "v1", "ConfigMap", namespace, f"{app.name}-config"
        )
        secret = self._dry_run_cluster().get(
            "v1", "Secret", namespace, f"{app.name}-secret"
        )
        self.assertNotIn("SMTP_PASSWORD", config["data"])
        self.assertEqual(config["data"]["PIP_INSTALL"], "fastapi")
        self.assertEqual(secret["stringData"]["SMTP_PASSWORD"], "demo-smtp-password")
        self.assertNotIn("PIP_INSTALL", secret["stringData"])

    def test_deploy_does_not_undo_pending_suspend_or_delete(self):
        app = self._deploy()
        app.action_suspend()
        with self.assertRaisesRegex(UserError, "waiting for: Suspend"):
            app.action_redeploy()
        app.action_delete()
        self.assertEqual(app.pending_action, "delete")
        with self.assertRaisesRegex(UserError, "waiting for: Delete"):
            app.action_suspend()

    def test_steps_visible_to_the_customer_without_notifying(self):
        app = self._deploy()
        app.action_restart()
        self._process(app, runs=2)
        app.action_suspend()
        self._process(app)
        app.action_resume()
        self._process(app, runs=2)
        app.action_delete()
        self._process(app)
        subtype = self.env.ref("kubernetes_base.mt_app_provisioning")
        self.assertFalse(subtype.internal)
        self.assertFalse(subtype.default)
        steps = app.message_ids.filtered(lambda m: m.subtype_id == subtype)
        previews = " | ".join(steps.mapped("preview"))
        for step in (
            "Deploy queued.",
            "Applied ",
            "Running at https://shop-int.apps.example.com.",
            "Restart requested.",
            "Suspend queued.",
            "Suspended: scaled to zero, data kept.",
            "Resume queued.",
            "Resumed: scaled back up.",
            "Delete queued.",
            "objects from the cluster.",
        ):
            self.assertIn(step, previews)

    def _public_texts(self, app):
        public = app.message_ids.filtered(lambda m: not m.subtype_id.internal)
        return " | ".join(public.mapped("preview"))

    def test_failure_reason_is_internal(self):
        app = self._create_app()
        app.action_deploy()
        reason = "serviceaccount system:odoo-deployer cannot create deployments"
        with (
            mock.patch.object(
                AppOperations, "apply", side_effect=CredentialsError(reason)
            ),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(app)
        self.assertEqual(app.state, "failed")
        fault = self.env.ref("kubernetes_base.mt_app_provisioning_fault")
        self.assertTrue(fault.internal)
        self.assertFalse(fault.default)
        self.assertEqual(app.message_ids[0].subtype_id, fault)
        self.assertIn(reason, app.message_ids[0].body)
        self.assertNotIn("system:odoo-deployer", self._public_texts(app))

    def test_retry_reason_is_internal(self):
        app = self._create_app()
        app.action_deploy()
        reason = "Connection refused by k8s-api.internal.example.com:6443"
        with (
            mock.patch.object(
                AppOperations, "apply", side_effect=ClusterUnavailableError(reason)
            ),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(app)
        self.assertEqual(app.state, "queued")
        fault = self.env.ref("kubernetes_base.mt_app_provisioning_fault")
        self.assertEqual(app.message_ids[0].subtype_id, fault)
        self.assertIn("Attempt 1 of 6 failed", app.message_ids[0].body)
        self.assertNotIn("k8s-api.internal", self._public_texts(app))

    def test_failing_rollout_reason_is_internal(self):
        app = self._create_app()
        app.action_deploy()
        self._process(app)
        failed = AppStatus("failed", "Pod shop-int-7d9: ImagePullBackOff")
        with (
            mock.patch.object(AppOperations, "status", return_value=failed),
            self.assertLogs(kubernetes_app.__name__, "WARNING"),
        ):
            self._process(app)
        self.assertNotIn("ImagePullBackOff", self._public_texts(app))

    def test_config_value_with_null_character_refused(self):
        app = self._create_app()
        entry = app.config_map_ids[:1]
        with self.assertRaisesRegex(ValidationError, "null character"):
            entry.value = "bad\x00value"

    def test_failing_hook_leaves_the_app_running(self):
        app = self._create_app()
        app.action_deploy()
        self._process(app)
        with (
            mock.patch.object(
                type(app), "_on_running", side_effect=RuntimeError("mail down")
            ),
            self.assertLogs(kubernetes_app.__name__, "ERROR"),
        ):
            self._process(app)
        self.assertEqual(app.state, "running")
        self.assertIn("follow-up step failed", app.message_ids[0].body)
        self.assertEqual(
            app.message_ids[0].subtype_id,
            self.env.ref("kubernetes_base.mt_app_provisioning_fault"),
        )

    # -- suspend reasons and resumes -------------------------------------------

    def test_suspend_reason_kept_until_running_again(self):
        app = self._deploy()
        app.action_suspend(reason="The invoice INV/2026/0001 is unpaid.")
        self.assertEqual(app.suspend_reason, "The invoice INV/2026/0001 is unpaid.")
        self._process(app)
        self.assertEqual(app.state, "suspended")
        self.assertEqual(app.suspend_reason, "The invoice INV/2026/0001 is unpaid.")

        app.action_resume()
        self._process(app)
        self.assertEqual(app.state, "deploying")
        self.assertTrue(app.suspend_reason, "kept until the rollout is done")
        self._process(app)
        self.assertEqual(app.state, "running")
        self.assertFalse(app.suspend_reason)

    def test_suspend_without_reason_clears_a_former_one(self):
        app = self._deploy()
        app.action_suspend(reason="Unpaid.")
        app.action_suspend()
        self.assertFalse(app.suspend_reason)

    def test_queue_suspend_skips_the_checks(self):
        app = self._deploy()
        app.action_suspend(reason="Unpaid.")
        self._process(app)
        with self.assertRaisesRegex(
            UserError, "The app shop-int is Suspended: it cannot be suspended now."
        ):
            app.action_suspend(reason="Closed.")
        # A caller deciding itself, such as a closed subscription, may.
        app._queue_suspend("The subscription is closed.")
        self.assertEqual(app.pending_action, "suspend")
        self.assertEqual(app.suspend_reason, "The subscription is closed.")
        self._process(app)
        self.assertEqual(app.state, "suspended")
        self.assertEqual(app.suspend_reason, "The subscription is closed.")

    def test_resume_deploys_a_rotation_asked_before_the_suspend(self):
        app = self._deploy()
        first = self._credentials(app)
        app.action_rotate_credentials()
        app._queue_suspend("Unpaid.")
        self.assertTrue(app.rotate_credentials, "the rotation survives the suspend")
        self._process(app)
        self.assertEqual(app.state, "suspended")
        self.assertEqual(self._deployment(app)["spec"]["replicas"], 0)
        self.assertTrue(app.rotate_credentials)

        app.action_resume()
        self._process(app)
        self.assertEqual((app.state, app.pending_action), ("deploying", "watch"))
        self.assertFalse(app.rotate_credentials)
        self._process(app)
        self.assertEqual(app.state, "running")
        self.assertEqual(self._deployment(app)["spec"]["replicas"], 1)
        rotated = self._credentials(app)
        self.assertNotEqual(rotated["admin_password"], first["admin_password"])

    def test_resume_without_rotation_keeps_credentials(self):
        app = self._deploy()
        first = self._credentials(app)
        app.action_suspend()
        self._process(app)
        app.action_resume()
        with mock.patch.object(
            AppOperations, "apply", side_effect=AssertionError("not a deploy")
        ):
            self._process(app)
        self._process(app)
        self.assertEqual(app.state, "running")
        self.assertEqual(self._credentials(app), first)
