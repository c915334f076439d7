from urllib.parse import parse_qs, urlsplit

from odoo import fields, http
from odoo.tests.common import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class KubernetesPortalCase(HttpCase):
    """Base of the kubernetes_portal tests: two customers with a running app
    each, portal users, and helpers for portal requests.

    Customer A (a company) has a portal user who is one of its contacts, an
    app ``alpha-prod`` with the product's template entries plus a secret
    entry the customer may change and one they may not. Customer B has a
    portal user and an app ``beta-prod``. No test needs a cluster: the actions
    only queue work.
    """

    #: Value of the secret entry that no page may ever show.
    secret_value = "s3cr3t-never-shown"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.company.write(
            {"kubernetes_domain": "apps.example.com", "kubernetes_backend": "dry_run"}
        )
        cls.product = cls.env.ref("kubernetes_base.product_product_odoo_app")
        cls.env_prod = cls.env.ref("kubernetes_base.kubernetes_environment_prod")
        cls.env_int = cls.env.ref("kubernetes_base.kubernetes_environment_int")
        keys = cls.env["kubernetes.config.key"]
        cls.key_git_repos = cls.env.ref(
            "kubernetes_base.kubernetes_config_key_git_repos"
        )
        cls.key_revision = cls.env.ref("kubernetes_base.kubernetes_config_key_revision")
        cls.key_api_token = keys.create(
            {
                "key": "PORTAL_TEST_API_TOKEN",
                "is_secret": True,
                "customer_editable": True,
            }
        )
        cls.key_db_password = keys.create(
            {"key": "PORTAL_TEST_DB_PASSWORD", "is_secret": True}
        )

        cls.customer_a = cls.env["res.partner"].create(
            {"name": "Alpha Hosting AG", "is_company": True}
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Beta Services GmbH", "is_company": True}
        )
        cls.user_a = new_test_user(
            cls.env,
            login="portal_alpha",
            groups="base.group_portal",
            context={"no_reset_password": True},
            name="Anna Alpha",
            parent_id=cls.customer_a.id,
        )
        cls.user_b = new_test_user(
            cls.env,
            login="portal_beta",
            groups="base.group_portal",
            context={"no_reset_password": True},
            name="Ben Beta",
            parent_id=cls.customer_b.id,
        )
        cls.namespace_a = cls.env["kubernetes.namespace"]._get_or_create(
            cls.customer_a, cls.env_prod, cls.company
        )
        cls.namespace_b = cls.env["kubernetes.namespace"]._get_or_create(
            cls.customer_b, cls.env_prod, cls.company
        )
        cls.app_a = cls._create_app("alpha-prod", cls.namespace_a)
        cls.app_b = cls._create_app("beta-prod", cls.namespace_b)
        cls.entry_api_token = cls._add_entry(cls.app_a, cls.key_api_token, "tok-1")
        cls.entry_db_password = cls._add_entry(
            cls.app_a, cls.key_db_password, cls.secret_value
        )
        cls.entry_git_repos = cls._get_entry(cls.app_a, cls.key_git_repos)
        cls.entry_revision = cls._get_entry(cls.app_a, cls.key_revision)
        # End the creation as a commit would: the changes made by the tests
        # are tracked then, as they are in production.
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    @classmethod
    def _create_app(cls, name, namespace, state="running", **vals):
        """Create an app of the demo product in ``namespace``, in ``state``."""
        app = cls.env["kubernetes.app"].create(
            dict(
                {
                    "name": name,
                    "product_id": cls.product.id,
                    "namespace_id": namespace.id,
                    "environment_id": namespace.environment_id.id,
                },
                **vals,
            )
        )
        app.write({"state": state, "status_message": "Ready."})
        return app

    @classmethod
    def _add_entry(cls, app, key, value):
        return cls.env["kubernetes.config.map"].create(
            {"app_id": app.id, "key_id": key.id, "value": value, "sequence": 90}
        )

    @classmethod
    def _get_entry(cls, app, key):
        return app.config_map_ids.filtered(lambda entry: entry.key_id == key)

    # -- helpers --------------------------------------------------------------

    def _login(self, user):
        """Open a session as ``user`` (its password is its login)."""
        self.authenticate(user.login, user.login)

    def _flush_tracking(self):
        """Write the pending tracking messages, as a commit would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _csrf_token(self):
        return http.Request.csrf_token(self)

    def _post(self, url, data=None, csrf=True, **kwargs):
        """POST ``data`` as a form, with the session's CSRF token unless told
        otherwise; redirects are not followed."""
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self._csrf_token()
        # requests drops an empty body: always send one field at least.
        data.setdefault("submitted", "1")
        return self.url_open(url, data=data, allow_redirects=False, **kwargs)

    def _get(self, url, **kwargs):
        """GET ``url`` without following redirects."""
        return self.url_open(url, allow_redirects=False, **kwargs)

    def assertRedirectsTo(self, response, path):
        """Assert that ``response`` redirects to ``path`` (query ignored)."""
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        location = response.headers["Location"].split("?")[0]
        self.assertTrue(
            location.endswith(path), f"{location} does not redirect to {path}"
        )

    def assertNotFound(self, response):
        """Assert that ``response`` is a 404, as for a record that does not
        exist."""
        self.assertEqual(response.status_code, 404, response.text[:500])

    def assertRedirectsToLogin(self, response, back):
        """Assert that ``response`` sends the visitor to the login page, which
        brings them back to the path ``back``."""
        self.assertRedirectsTo(response, "/web/login")
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        self.assertEqual(query.get("redirect"), [back])

    def assertNotQueued(self, app, state="running"):
        """Assert that nothing was queued on ``app``."""
        app.invalidate_recordset()
        self.assertEqual(app.state, state)
        self.assertFalse(app.pending_action)

    def assertQueued(self, app):
        """Assert that a deploy of ``app`` waits for the cron."""
        app.invalidate_recordset()
        self.assertEqual(app.state, "queued")
        self.assertEqual(app.pending_action, "deploy")
        self.assertLessEqual(app.next_attempt_date, fields.Datetime.now())
