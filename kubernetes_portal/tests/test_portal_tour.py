from odoo.tests.common import HttpCase, tagged


@tagged("post_install", "-at_install", "is_tour")
class TestPortalTour(HttpCase):
    """The demo portal customer opens their app and redeploys it."""

    def test_portal_tour(self):
        app = self.env.ref("kubernetes_base.kubernetes_app_portal_demo")
        self.assertEqual(app.state, "running")
        self.start_tour("/my", "kubernetes_portal_tour", login="portal")
        app.invalidate_recordset()
        self.assertEqual(app.state, "queued")
        self.assertEqual(app.pending_action, "deploy")
