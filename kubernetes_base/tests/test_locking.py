from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..models import kubernetes_app


@tagged("post_install", "-at_install")
class TestLocking(TransactionCase):
    """Two workers never process the same app, and a row that changed under a
    worker is skipped for this run instead of ending it.

    The workers are cursors of their own, which see only committed rows: the
    demo app's pending work is committed for the test, and what it was before
    is committed back after it. Nothing else of the row is written.
    """

    def setUp(self):
        super().setUp()
        self.app_id = self.env.ref("kubernetes_base.kubernetes_app_demo").id
        self._hold_pending("deploy")

    def _hold_pending(self, action):
        """Commit ``action`` as the app's pending work; return, and register
        as a cleanup, what commits back the pending work it had."""
        original = self._committed_pending()
        self._commit_pending(action)

        def restore():
            self._commit_pending(original)

        self.addCleanup(restore)
        return restore

    def _committed_pending(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT pending_action FROM kubernetes_app WHERE id = %s",
                (self.app_id,),
            )
            return cr.fetchone()[0]

    def _commit_pending(self, action):
        with self.registry.cursor() as cr:
            cr.execute(
                "UPDATE kubernetes_app SET pending_action = %s WHERE id = %s",
                (action, self.app_id),
            )

    def _worker(self):
        """Return a new cursor, which must be closed, and the app seen
        through it."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        # A worker that waited for the lock instead of skipping it would
        # fail the test here rather than hang it.
        cr.execute("SET LOCAL statement_timeout = '5s'")
        env = api.Environment(cr, SUPERUSER_ID, {})
        return cr, env["kubernetes.app"].browse(self.app_id)

    def test_locked_app_is_skipped_then_taken(self):
        first_cr, first = self._worker()
        second_cr, second = self._worker()
        self.assertTrue(first._try_lock())
        self.assertFalse(second._try_lock(), "held by the first worker")

        first_cr.rollback()
        self.assertTrue(second._try_lock(), "free once the first worker is done")
        second_cr.rollback()

    def test_app_without_pending_work_is_not_taken(self):
        self._commit_pending(None)
        _cr, worker = self._worker()
        self.assertFalse(worker._try_lock())

    def test_the_app_gets_back_the_pending_work_it_had(self):
        # As on a database where the demo app waits for a resume.
        self._commit_pending("resume")
        restore = self._hold_pending("suspend")
        self.assertEqual(self._committed_pending(), "suspend")

        restore()

        self.assertEqual(self._committed_pending(), "resume")

    def test_app_changed_meanwhile_is_left_for_a_later_run(self):
        worker_cr, worker = self._worker()
        # The worker's snapshot begins with its search for due apps...
        worker_cr.execute(
            "SELECT pending_action FROM kubernetes_app WHERE id = %s", (self.app_id,)
        )
        # ... then a user queues an action on the app and commits.
        self._commit_pending("suspend")

        with self.assertLogs(kubernetes_app.__name__, "DEBUG") as logs:
            self.assertFalse(worker._try_lock())
        self.assertIn("left for a later run", logs.output[0])
        # The transaction goes on with the other apps.
        worker_cr.execute("SELECT 1")
        self.assertEqual(worker_cr.fetchone(), (1,))

        worker_cr.rollback()
        self.assertTrue(worker._try_lock(), "taken by the next run")
        worker_cr.rollback()
