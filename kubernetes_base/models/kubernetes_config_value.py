import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 4096
#: What the backend shows instead of the text of a secret value.
SECRET_MASK = "********"


class KubernetesConfigValue(models.Model):
    """The value of one configuration entry.

    Each entry owns its value record (``kubernetes.config.map.value_id`` is
    unique): two apps with the same text hold two records, so changing one
    app's value never changes another's. Values are written through their
    entry, which checks the user's rights on the app or product; users only
    read them, within their companies, and only Kubernetes managers read the
    text itself: users read :attr:`display_value`, where secret values are
    masked. A value whose entry is gone is removed with it.
    """

    _name = "kubernetes.config.value"
    _description = "Kubernetes Configuration Value"
    _order = "id desc"

    value = fields.Char(
        required=True,
        trim=False,
        groups="kubernetes_base.group_kubernetes_manager",
    )
    config_map_ids = fields.One2many(
        "kubernetes.config.map", "value_id", string="Entries", readonly=True
    )
    key_id = fields.Many2one("kubernetes.config.key", compute="_compute_entry_fields")
    app_id = fields.Many2one("kubernetes.app", compute="_compute_entry_fields")
    product_tmpl_id = fields.Many2one(
        "product.template", compute="_compute_entry_fields", string="Product"
    )
    is_secret = fields.Boolean(compute="_compute_entry_fields", string="Secret")
    display_value = fields.Char(
        string="Shown Value",
        compute="_compute_display_value",
        compute_sudo=True,
        help="The value, masked when its key is secret.",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        index=True,
        help="The company of the value's entry; empty for a product shared "
        "by every company.",
    )

    def init(self):
        # Values were once shared by text, unique per text; a database from
        # that time keeps the constraint, which would refuse a second value
        # record with the same text.
        self.env.cr.execute(
            "ALTER TABLE kubernetes_config_value "
            "DROP CONSTRAINT IF EXISTS kubernetes_config_value_value_unique"
        )

    @api.depends("config_map_ids.company_id")
    def _compute_company_id(self):
        for config_value in self:
            config_value.company_id = config_value.config_map_ids[:1].company_id

    @api.depends(
        "config_map_ids.key_id",
        "config_map_ids.app_id",
        "config_map_ids.product_tmpl_id",
        "config_map_ids.is_secret",
    )
    def _compute_entry_fields(self):
        for config_value in self:
            entry = config_value.config_map_ids[:1]
            config_value.key_id = entry.key_id
            config_value.app_id = entry.app_id
            config_value.product_tmpl_id = entry.product_tmpl_id
            config_value.is_secret = entry.is_secret

    @api.depends("value", "is_secret")
    def _compute_display_value(self):
        for config_value in self:
            config_value.display_value = (
                SECRET_MASK if config_value.is_secret else config_value.value
            )

    @api.depends("display_value")
    def _compute_display_name(self):
        # A many2one to a value shows its display name: never a secret.
        for config_value in self:
            config_value.display_name = config_value.display_value or ""

    @api.constrains("value")
    def _check_value(self):
        for config_value in self:
            self._check_value_text(config_value.value)

    @api.model
    def _check_value_text(self, value):
        """Raise a ValidationError when ``value`` cannot be stored."""
        if len(value or "") > MAX_VALUE_LENGTH:
            raise ValidationError(
                _(
                    "A configuration value holds at most %(max)s characters.",
                    max=MAX_VALUE_LENGTH,
                )
            )
        if "\x00" in (value or ""):
            raise ValidationError(
                _("A configuration value cannot contain a null character.")
            )

    @api.model
    def _create_for_entry(self, value):
        """Return a new value record holding ``value``, for one entry.

        Runs as superuser: the caller, an entry, has checked the user's right
        to change it.
        """
        # Checked before the insert: PostgreSQL refuses a null character with
        # an error of its own.
        self._check_value_text(value)
        return self.sudo().create({"value": value})

    def _unlink_orphans(self):
        """Remove those of the values that no entry holds any more."""
        values = self.sudo().exists()
        held = (
            self.env["kubernetes.config.map"]
            .sudo()
            .search([("value_id", "in", values.ids)])
        )
        orphans = values - held.value_id
        if orphans:
            _logger.debug("removing %d orphaned configuration values", len(orphans))
            orphans.unlink()

    @api.autovacuum
    def _gc_orphans(self):
        """Remove the values left behind by entries deleted without the ORM,
        such as those of a deleted app or product (database cascade)."""
        orphans = self.sudo().search([("config_map_ids", "=", False)])
        orphans._unlink_orphans()
