from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.kubernetes_config_key import looks_secret
from ..models.kubernetes_config_value import SECRET_MASK
from .common import KubernetesCase


@tagged("post_install", "-at_install")
class TestConfig(KubernetesCase):
    """Configuration entries own their values, kept apart per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key_smtp = cls.env.ref(
            "kubernetes_base.kubernetes_config_key_smtp_password"
        )
        cls.key_pip = cls.env.ref("kubernetes_base.kubernetes_config_key_pip_install")
        cls.company_b = cls._create_company("Hosting B", "b.example.com")
        cls.user_b = cls._create_user(
            "k8s_user_b", cls.company_b, "kubernetes_base.group_kubernetes_manager"
        )
        cls.plain_user_b = cls._create_user("k8s_plain_user_b", cls.company_b)
        cls.namespace_b = cls.env["kubernetes.namespace"]._get_or_create(
            cls.customer, cls.env_int, cls.company_b
        )

    def _entry(self, owner, key):
        entries = (
            owner.config_map_ids
            if owner._name == "kubernetes.app"
            else (owner.config_map_template_ids)
        )
        return entries.filtered(lambda entry: entry.key_id == key)

    def _values(self, entries):
        return self.env["kubernetes.config.value"].browse(entries.value_id.ids)

    # -- one value per entry --------------------------------------------------

    def test_changing_one_app_value_leaves_other_apps_unchanged(self):
        first = self._create_app("first")
        second = self._create_app("second")
        template = self._entry(self.product.product_tmpl_id, self.key_pip)
        one, two = self._entry(first, self.key_pip), self._entry(second, self.key_pip)
        self.assertEqual((one.value, two.value), ("fastapi", "fastapi"))
        self.assertEqual(len(one.value_id | two.value_id | template.value_id), 3)

        one.with_user(self.user).value = "fastapi\nrequests"
        self.assertEqual(one.value, "fastapi\nrequests")
        self.assertEqual(two.value, "fastapi")
        self.assertEqual(template.value, "fastapi")

    def test_entry_never_shares_a_given_value_record(self):
        app = self._create_app()
        other = self._create_app("other")
        source = self._entry(app, self.key_pip)
        target = self._entry(other, self.key_pip)

        target.write({"value_id": source.value_id.id})
        self.assertNotEqual(target.value_id, source.value_id)
        self.assertEqual(target.value, "fastapi")
        key = self.env["kubernetes.config.key"].create({"key": "EXTRA_SETTING"})
        entry = self.env["kubernetes.config.map"].create(
            {"app_id": other.id, "key_id": key.id, "value_id": source.value_id.id}
        )
        self.assertNotEqual(entry.value_id, source.value_id)
        self.assertEqual(entry.value, "fastapi")

    def test_copied_app_gets_values_of_its_own(self):
        app = self._create_app("original")
        copy = app.copy({"name": "duplicate"})
        self.assertEqual(copy.hostname, "duplicate.apps.example.com")
        self.assertEqual(
            sorted(copy.config_map_ids.mapped("value")),
            sorted(app.config_map_ids.mapped("value")),
        )
        self.assertFalse(copy.config_map_ids.value_id & app.config_map_ids.value_id)

    def test_values_of_removed_entries_are_removed(self):
        app = self._create_app()
        entry = self._entry(app, self.key_pip)
        value = entry.value_id
        entry.unlink()
        self.assertFalse(value.exists())

        values = app.config_map_ids.value_id
        self.assertTrue(values)
        app.unlink()
        self.assertFalse(values.exists())

        other = self._create_app("other")
        given = self.env["kubernetes.config.value"].sudo().create({"value": "loose"})
        self._entry(other, self.key_pip).value_id = given
        self.assertFalse(given.exists(), "a value given to an entry is copied")

    def test_orphaned_values_collected(self):
        orphan = self.env["kubernetes.config.value"].sudo().create({"value": "left"})
        held = self._create_app().config_map_ids.value_id
        self.env["kubernetes.config.value"]._gc_orphans()
        self.assertFalse(orphan.exists())
        self.assertEqual(held.exists(), held)

    def test_value_rules_apply_to_typed_values(self):
        entry = self._entry(self._create_app(), self.key_pip)
        with self.assertRaisesRegex(
            ValidationError, "A configuration value holds at most 4096 characters."
        ):
            entry.value = "x" * 4097
        with self.assertRaisesRegex(
            ValidationError, "A configuration value cannot contain a null character."
        ):
            entry.value = "bad\x00value"

    # -- companies --------------------------------------------------------------

    def test_company_of_entries_and_values(self):
        app = self._create_app()
        self.assertEqual(app.config_map_ids.company_id, self.company)
        self.assertEqual(self._values(app.config_map_ids).company_id, self.company)
        template = self.product.product_tmpl_id.config_map_template_ids
        self.assertFalse(template.company_id, "the demo product is shared")
        self.assertFalse(self._values(template).company_id)

        self.product.product_tmpl_id.company_id = self.company
        self.assertEqual(template.company_id, self.company)
        self.assertEqual(self._values(template).company_id, self.company)

    def test_other_company_cannot_read_entries_or_values(self):
        app = self._create_app()
        self._entry(app, self.key_smtp).value = "a-secret"
        entries = self.env["kubernetes.config.map"].with_user(self.user_b)
        values = self.env["kubernetes.config.value"].with_user(self.user_b)
        self.assertFalse(entries.search([("app_id", "=", app.id)]))
        self.assertFalse(
            values.search_read([("id", "in", app.config_map_ids.value_id.ids)])
        )
        self.assertNotIn(
            "a-secret", [row["value"] for row in values.search_read([], ["value"])]
        )
        with self.assertRaises(AccessError):
            values.browse(app.config_map_ids.value_id[:1].id).read(["value"])
        with self.assertRaises(AccessError):
            entries.browse(app.config_map_ids[:1].id).read(["value"])

        # The template entries of a shared product are for every company, those
        # of a company's product for that company only.
        template = self.product.product_tmpl_id.config_map_template_ids
        self.assertEqual(entries.search([("id", "in", template.ids)]), template)
        self.product.product_tmpl_id.company_id = self.company
        self.assertFalse(entries.search([("id", "in", template.ids)]))
        self.assertFalse(values.search([("id", "in", template.value_id.ids)]))

    def _create_app_b(self, name="shop-b"):
        return self._create_app(name, namespace_id=self.namespace_b.id)

    def test_value_of_another_company_cannot_be_copied(self):
        secret = self._entry(self._create_app(), self.key_smtp)
        secret.value = "smtp-Secret-of-A"
        value_a = secret.value_id
        app_b = self._create_app_b()
        key = self.env["kubernetes.config.key"].create({"key": "EXTRA_SETTING"})
        for user in (self.user_b, self.plain_user_b):
            entries = self.env["kubernetes.config.map"].with_user(user)
            with self.assertRaisesRegex(AccessError, "Type the value"):
                entries.create(
                    {"app_id": app_b.id, "key_id": key.id, "value_id": value_a.id}
                )
            own = self._entry(app_b, self.key_pip).with_user(user)
            with self.assertRaisesRegex(AccessError, "Type the value"):
                own.write({"value_id": value_a.id})
            self.assertEqual(own.value, "fastapi")
        self.assertEqual(secret.value, "smtp-Secret-of-A")

        # Nor can a user remove orphaned values that way.
        orphan = self.env["kubernetes.config.value"].sudo().create({"value": "left"})
        with self.assertRaises(AccessError):
            self._entry(app_b, self.key_pip).with_user(self.user_b).write(
                {"value_id": orphan.id}
            )
        self.assertTrue(orphan.exists())

    def test_entry_never_moves_to_another_owner(self):
        app = self._create_app()
        app_b = self._create_app_b()
        entry = self._entry(app, self.key_pip)
        template = self._entry(self.product.product_tmpl_id, self.key_pip)
        other_product = self.env["product.template"].create({"name": "Other app"})

        with self.assertRaisesRegex(UserError, "cannot move to another app"):
            entry.with_user(self.user).write({"app_id": app_b.id})
        with self.assertRaisesRegex(UserError, "cannot move to another app"):
            entry.write({"app_id": False, "product_tmpl_id": other_product.id})
        with self.assertRaisesRegex(UserError, "cannot move to another app"):
            template.write({"product_tmpl_id": other_product.id})
        # A link from another app's list is a move too.
        with self.assertRaisesRegex(UserError, "cannot move to another app"):
            app_b.write({"config_map_ids": [Command.link(entry.id)]})
        self.assertEqual(entry.app_id, app)
        self.assertEqual(entry.company_id, self.company)

        entry.with_user(self.user).write({"app_id": app.id, "sequence": 3})
        self.assertEqual(entry.sequence, 3)

    def test_template_entries_are_for_managers(self):
        template = self.product.product_tmpl_id
        entry = self._entry(template, self.key_pip)
        for user in (self.user, self.plain_user_b):
            as_user = entry.with_user(user)
            self.assertEqual(as_user.value, "fastapi", "users still read them")
            with self.assertRaisesRegex(AccessError, "configuration of a product"):
                as_user.value = "changed"
            with self.assertRaisesRegex(AccessError, "configuration of a product"):
                as_user.unlink()
            with self.assertRaisesRegex(AccessError, "configuration of a product"):
                as_user.create(
                    {
                        "product_tmpl_id": template.id,
                        "key_id": self.env.ref(
                            "kubernetes_base.kubernetes_config_key_git_repos"
                        ).id,
                        "value": "x",
                    }
                )
        self.assertEqual(entry.value, "fastapi")

        entry.with_user(self.manager).value = "fastapi\nrequests"
        self.assertEqual(entry.value, "fastapi\nrequests")
        app = self._create_app()
        self.assertEqual(self._entry(app, self.key_pip).value, "fastapi\nrequests")
        self._entry(app, self.key_pip).with_user(self.user).value = "own"
        self.assertEqual(self._entry(app, self.key_pip).value, "own")

    def test_product_form_lets_managers_only_edit_template_entries(self):
        arch = self.env["product.template"].get_view(
            self.env.ref("product.product_template_form_view").id
        )["arch"]
        self.assertIn('readonly="not kubernetes_config_editable"', arch)
        template = self.product.product_tmpl_id
        self.assertFalse(template.with_user(self.user).kubernetes_config_editable)
        self.assertTrue(template.with_user(self.manager).kubernetes_config_editable)

    def test_users_read_value_records_but_never_write_them(self):
        entry = self._entry(self._create_app(), self.key_pip)
        for user in (self.user, self.manager):
            value = entry.value_id.with_user(user)
            self.assertEqual(value.display_value, "fastapi")
            with self.assertRaises(AccessError):
                value.write({"value": "changed"})
            with self.assertRaises(AccessError):
                value.unlink()
            with self.assertRaises(AccessError):
                value.create({"value": "new"})
        entry.with_user(self.user).value = "through the entry"
        self.assertEqual(entry.value_id.value, "through the entry")
        # The text itself is for managers; users read the shown value.
        self.assertEqual(
            entry.value_id.with_user(self.manager).read(["value"])[0]["value"],
            "through the entry",
        )
        with self.assertRaises(AccessError):
            entry.value_id.with_user(self.user).read(["value"])

    # -- secret keys ------------------------------------------------------------

    def test_secret_values_masked_in_the_values_list(self):
        app = self._create_app()
        secret = self._entry(app, self.key_smtp).value_id
        plain = self._entry(app, self.key_pip).value_id
        self.assertEqual(secret.display_value, SECRET_MASK)
        self.assertEqual(secret.display_name, SECRET_MASK)
        self.assertEqual(plain.display_value, "fastapi")
        arch = (
            self.env["kubernetes.config.value"]
            .with_user(self.manager)
            .get_view(view_type="list")["arch"]
        )
        self.assertIn('name="display_value"', arch)
        self.assertNotIn('name="value"', arch)

    def test_secret_values_masked_for_users_not_managers(self):
        app = self._create_app()
        secret = self._entry(app, self.key_smtp)
        plain = self._entry(app, self.key_pip)
        as_user = app.with_user(self.user)

        rows = as_user.config_map_ids.read(["key_id", "value"])
        shown = {row["key_id"][1]: row["value"] for row in rows}
        self.assertEqual(shown["SMTP_PASSWORD"], SECRET_MASK)
        self.assertEqual(shown["PIP_INSTALL"], "fastapi")
        self.assertNotIn(
            "demo-smtp-password",
            str(as_user.web_read({"config_map_ids": {"fields": {"value": {}}}})),
        )
        self.assertEqual(secret.with_user(self.manager).value, "demo-smtp-password")
        self.assertEqual(plain.with_user(self.user).value, "fastapi")
        with self.assertRaises(AccessError):
            secret.value_id.with_user(self.user).read(["value"])

        # A user types a new secret, and saving the mask back keeps it.
        with Form(as_user) as form:
            with form.config_map_ids.edit(
                as_user.config_map_ids.ids.index(secret.id)
            ) as line:
                self.assertEqual(line.value, SECRET_MASK)
                line.value = "smtp-new-9"
        self.assertEqual(secret.value, "smtp-new-9")
        secret.with_user(self.user).write({"value": SECRET_MASK, "sequence": 7})
        self.assertEqual(secret.value, "smtp-new-9")
        secret.with_user(self.manager).value = SECRET_MASK
        self.assertEqual(secret.value, SECRET_MASK, "a manager's text is kept")
        secret.value = "smtp-new-9"

        # Another key would show the value in clear: managers only.
        extra = self.env["kubernetes.config.key"].create({"key": "EXTRA_SETTING"})
        with self.assertRaisesRegex(AccessError, "change the key"):
            secret.with_user(self.user).key_id = extra
        secret.with_user(self.user).key_id = self.key_smtp
        plain.with_user(self.user).key_id = extra
        self.assertEqual(plain.key_id, extra)

        # A user's copy of the app gets the secret itself, and deploys it.
        copy = as_user.copy({"name": "copy-by-user"})
        self.assertEqual(self._entry(copy.sudo(), self.key_smtp).value, "smtp-new-9")
        self.env.invalidate_all()
        values = copy._prepare_render_values({})
        self.assertEqual(values["secret_config"], {"SMTP_PASSWORD": "smtp-new-9"})
        new_app = (
            self.env["kubernetes.app"]
            .with_user(self.user)
            .create(
                {
                    "name": "new-by-user",
                    "product_id": self.product.id,
                    "namespace_id": self.namespace.id,
                    "environment_id": self.env_int.id,
                }
            )
        )
        self.assertEqual(
            self._entry(new_app.sudo(), self.key_smtp).value, "demo-smtp-password"
        )

    def test_secret_looking_keys_are_secret_by_default(self):
        secret = [
            "MAIL_PASSWORD",
            "DB_PASSWD",
            "API_TOKEN",
            "API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "OAUTH_CREDENTIALS",
            "SSH_PRIVATE_KEY",
        ]
        plain = ["REVISION", "GIT_REPOS", "KEYCLOAK_URL", "MONKEY_COUNT"]
        self.assertEqual([k for k in secret if not looks_secret(k)], [])
        self.assertEqual([k for k in plain if looks_secret(k)], [])
        keys = self.env["kubernetes.config.key"]
        for name in secret:
            with self.subTest(key=name):
                self.assertTrue(keys.create({"key": name}).is_secret)
        self.assertFalse(keys.create({"key": "KEYCLOAK_URL"}).is_secret)

        # An explicit choice wins, and the flag stays editable.
        token = keys.create({"key": "PUBLIC_TOKEN", "is_secret": False})
        self.assertFalse(token.is_secret)
        token.is_secret = True
        self.assertTrue(token.is_secret)

    def test_secret_looking_key_secret_in_the_form(self):
        form = Form(self.env["kubernetes.config.key"].with_user(self.manager))
        form.key = "MAIL_API_KEY"
        self.assertTrue(form.is_secret)
        form.is_secret = False
        key = form.save()
        self.assertFalse(key.is_secret)
        with Form(key.with_user(self.manager)) as form:
            form.key = "MAIL_API_TOKEN"
        self.assertFalse(key.is_secret, "a stored key's flag is left alone")

    def test_demo_product_has_a_secret_entry(self):
        self.assertTrue(self.key_smtp.is_secret)
        app = self._create_app()
        values = app._prepare_render_values({})
        self.assertEqual(
            values["secret_config"], {"SMTP_PASSWORD": "demo-smtp-password"}
        )
        self.assertNotIn("SMTP_PASSWORD", values["config"])
