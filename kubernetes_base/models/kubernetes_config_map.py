from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .kubernetes_config_value import SECRET_MASK


class KubernetesConfigMap(models.Model):
    """One entry of an app's configuration, or of a product's template.

    Template entries (``is_template``) belong to a product and are copied to
    every new app of that product; the other entries belong to one app and end
    up in its ConfigMap, or in its Secret when the key is secret.

    Each entry owns its value record: typing a value (the ``value`` field)
    writes it there, never into a record another entry holds. The entry's
    company is its app's, or its product's (none for a product shared by
    every company), and an entry never moves to another app or product.

    Who may do what: Kubernetes users change the entries of their company's
    apps, managers also those of products (template entries). A secret
    entry's value reads as :data:`SECRET_MASK` for users who are not
    managers; they may type a new one, but not change its key.
    """

    _name = "kubernetes.config.map"
    _description = "Kubernetes Configuration Entry"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    key_id = fields.Many2one(
        "kubernetes.config.key", required=True, ondelete="restrict"
    )
    value_id = fields.Many2one(
        "kubernetes.config.value",
        string="Value record",
        required=True,
        readonly=True,
        ondelete="restrict",
        copy=False,
    )
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        trim=False,
        help="The text of the value, kept in the entry's own value record. The "
        "value of a secret key shows masked to users who are not Kubernetes "
        "managers; they may type a new one.",
    )
    app_id = fields.Many2one("kubernetes.app", ondelete="cascade", index=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        index=True,
        help="The company of the app, or of the product; empty for a product "
        "shared by every company.",
    )
    is_template = fields.Boolean(compute="_compute_is_template", store=True)
    is_secret = fields.Boolean(related="key_id.is_secret")
    customer_editable = fields.Boolean(related="key_id.customer_editable")

    _sql_constraints = [
        (
            "key_unique_per_app",
            "unique(app_id, key_id)",
            "An app holds each configuration key once.",
        ),
        (
            "key_unique_per_product",
            "unique(product_tmpl_id, key_id)",
            "A product holds each configuration key once.",
        ),
        (
            "one_owner",
            "check(app_id IS NULL OR product_tmpl_id IS NULL)",
            "A configuration entry belongs to an app or to a product, not both.",
        ),
        (
            "value_unique",
            "unique(value_id)",
            "A configuration value belongs to one entry.",
        ),
    ]

    def init(self):
        # A database from the time values were shared by text: every further
        # entry holding a shared value gets a copy of its own, so that
        # unique(value_id), retried at the end of the update, holds.
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, value_id FROM (
                SELECT id, value_id, row_number() OVER (
                    PARTITION BY value_id ORDER BY id
                ) AS position
                FROM kubernetes_config_map
            ) AS entries
            WHERE position > 1
            """
        )
        copies = []
        for entry_id, value_id in cr.fetchall():
            cr.execute(
                """
                INSERT INTO kubernetes_config_value
                    (value, create_uid, create_date, write_uid, write_date)
                SELECT value, create_uid, create_date, write_uid, write_date
                FROM kubernetes_config_value WHERE id = %s
                RETURNING id
                """,
                (value_id,),
            )
            copies.append(cr.fetchone()[0])
            cr.execute(
                "UPDATE kubernetes_config_map SET value_id = %s WHERE id = %s",
                (copies[-1], entry_id),
            )
        if copies:
            values = self.env["kubernetes.config.value"].browse(copies)
            # Only the entries' cached values are stale; flushing here would
            # recompute fields of models whose columns the update has not
            # created yet.
            self.invalidate_model(["value_id"], flush=False)
            self.env.add_to_compute(values._fields["company_id"], values)

    @api.depends("product_tmpl_id")
    def _compute_is_template(self):
        for entry in self:
            entry.is_template = bool(entry.product_tmpl_id)

    @api.depends("app_id.company_id", "product_tmpl_id.company_id")
    def _compute_company_id(self):
        for entry in self:
            if entry.app_id:
                entry.company_id = entry.app_id.company_id
            else:
                entry.company_id = entry.product_tmpl_id.company_id

    # Not on key_id: a key chosen on a new line would recompute, and lose,
    # the value typed before it.
    @api.depends("value_id.value")
    @api.depends_context("uid")
    def _compute_value(self):
        masked = not self._can_read_secret_values()
        for entry in self:
            if masked and entry.is_secret:
                entry.value = SECRET_MASK
            else:
                entry.value = entry.value_id.sudo().value

    def _inverse_value(self):
        masked = not self._can_read_secret_values()
        for entry in self:
            text = entry.value or ""
            if masked and entry.is_secret and text == SECRET_MASK:
                # The mask the user was shown, saved back: the value stays.
                continue
            entry.value_id._check_value_text(text)
            entry.value_id.sudo().value = text

    @api.model
    def _can_read_secret_values(self):
        """Tell whether the user reads secret values in clear: Kubernetes
        managers do, and the superuser."""
        return self.env.su or self.env.user.has_group(
            "kubernetes_base.group_kubernetes_manager"
        )

    @api.model_create_multi
    def create(self, vals_list):
        values = self.env["kubernetes.config.value"]
        given = values
        for vals in vals_list:
            if vals.get("product_tmpl_id"):
                self._check_template_access()
            if "value_id" in vals:
                # An entry never shares a value record: it gets one of its
                # own, with the text of the record it was given.
                self._check_value_record_access()
                source = values.browse(vals.pop("value_id")).sudo()
                given |= source
                vals.setdefault("value", source.value)
            text = vals.pop("value", "") or ""
            vals["value_id"] = values._create_for_entry(text).id
        entries = super().create(vals_list)
        given._unlink_orphans()
        return entries

    def write(self, vals):
        if self.filtered("product_tmpl_id"):
            self._check_template_access()
        self._check_owner_change(vals)
        if "key_id" in vals and not self._can_read_secret_values():
            self._check_secret_key_change(vals["key_id"])
        given = self.env["kubernetes.config.value"]
        if "value_id" in vals:
            # Pointing an entry at another value record would share it: the
            # text is copied into the entry's own record instead.
            self._check_value_record_access()
            vals = dict(vals)
            given = given.browse(vals.pop("value_id")).sudo()
            vals.setdefault("value", given.value)
        result = super().write(vals)
        if "value" in vals:
            # The inverse ran with the field protected: the value other users
            # had read, masked or not, is read again.
            self.invalidate_recordset(["value"])
        given._unlink_orphans()
        return result

    def unlink(self):
        if self.filtered("product_tmpl_id"):
            self._check_template_access()
        values = self.value_id
        result = super().unlink()
        values._unlink_orphans()
        return result

    @api.model
    def _can_edit_templates(self):
        """Tell whether the user may change template entries, which reach
        every new app of their product (of every company for a shared one):
        Kubernetes managers may, and the superuser."""
        return self.env.su or self.env.user.has_group(
            "kubernetes_base.group_kubernetes_manager"
        )

    @api.model
    def _check_template_access(self):
        """Raise an AccessError unless :meth:`_can_edit_templates`."""
        if self._can_edit_templates():
            return
        raise AccessError(
            _("Only Kubernetes managers may change the configuration of a product.")
        )

    @api.model
    def _check_value_record_access(self):
        """Raise an AccessError unless the caller is the superuser: an entry
        given another value record would copy its text, whichever company's
        or secret it is."""
        if not self.env.su:
            raise AccessError(
                _(
                    "Type the value of a configuration entry; it cannot be taken "
                    "from another value record."
                )
            )

    def _check_owner_change(self, vals):
        """Raise a UserError when ``vals`` moves an entry to another app or
        product: its company, and so who reads it, would change with it."""
        for name in ("app_id", "product_tmpl_id"):
            if name not in vals:
                continue
            for entry in self:
                if entry[name].id == (vals[name] or False):
                    continue
                owner = entry.app_id or entry.product_tmpl_id
                raise UserError(
                    _(
                        "The configuration entry %(key)s belongs to %(owner)s: it "
                        "cannot move to another app or product. Create an entry "
                        "there instead.",
                        key=entry.key_id.key,
                        owner=owner.display_name,
                    )
                )

    def _check_secret_key_change(self, key_id):
        """Raise an AccessError when an entry whose key is secret gets another
        key: a user who only sees its mask would then read the value."""
        for entry in self:
            if entry.is_secret and entry.key_id.id != key_id:
                raise AccessError(
                    _(
                        "Only Kubernetes managers may change the key of the secret "
                        "configuration entry %(key)s.",
                        key=entry.key_id.key,
                    )
                )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for entry, vals in zip(self, vals_list, strict=True):
            if "value" not in vals and "value_id" not in vals:
                # the text itself, also of a secret the user sees masked
                vals["value"] = entry.value_id.sudo().value
        return vals_list

    # With key_id, which every creation gives, the check runs on entries
    # created without any owner too.
    @api.constrains("app_id", "product_tmpl_id", "key_id")
    def _check_owner(self):
        for entry in self:
            if not entry.app_id and not entry.product_tmpl_id:
                raise ValidationError(
                    _("A configuration entry must belong to an app or a product.")
                )

    def _prepare_app_copy_vals(self):
        """Return the values of an app entry copied from this template entry.

        The app entry gets a value record of its own, with the same text.
        """
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "key_id": self.key_id.id,
            "value": self.value_id.sudo().value,
        }
