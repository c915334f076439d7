from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import names


class KubernetesNamespace(models.Model):
    """The namespace of one customer in one environment.

    Its name follows one rule, :func:`..lib.names.namespace_name`: the
    partner's id and a readable slug of the name, then the environment's short
    name, for example ``c42-deco-addict-int``. It is set at creation and never
    changes while an app of the namespace has objects on the cluster, since
    they live under it; nor do the customer, environment and company it was
    made for.
    """

    _name = "kubernetes.namespace"
    _description = "Kubernetes Namespace"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, readonly=True, copy=False, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    environment_id = fields.Many2one(
        "kubernetes.environment", required=True, ondelete="restrict", tracking=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    app_ids = fields.One2many("kubernetes.app", "namespace_id", string="Apps")
    app_count = fields.Integer(compute="_compute_app_count")

    #: Fields that may change only while no app of the namespace has objects on
    #: the cluster.
    _IDENTITY_FIELDS = ("name", "partner_id", "environment_id", "company_id")

    _sql_constraints = [
        (
            "name_company_unique",
            "unique(name, company_id)",
            "A namespace name is unique per company.",
        ),
        (
            "partner_environment_unique",
            "unique(partner_id, environment_id, company_id)",
            "A customer has one namespace per environment.",
        ),
    ]

    @api.depends("app_ids")
    def _compute_app_count(self):
        for namespace in self:
            namespace.app_count = len(namespace.app_ids)

    @api.model
    def _prepare_name(self, partner, environment):
        """Return the namespace name of ``partner`` in ``environment``."""
        partner = partner.commercial_partner_id
        return names.namespace_name(partner.id, partner.name, environment.short)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name"):
                partner = self.env["res.partner"].browse(vals.get("partner_id"))
                environment = self.env["kubernetes.environment"].browse(
                    vals.get("environment_id")
                )
                if partner and environment:
                    vals["name"] = self._prepare_name(partner, environment)
        return super().create(vals_list)

    def write(self, vals):
        self._check_identity_change(vals)
        result = super().write(vals)
        if "company_id" in vals and not self.env.su:
            # The record rules were checked before the write only: a namespace
            # given to another company took its apps along.
            self.check_access("write")
        return result

    def _check_identity_change(self, vals):
        """Raise a UserError when ``vals`` changes an identity field of a
        namespace holding an app with objects on the cluster."""
        changed = [name for name in self._IDENTITY_FIELDS if name in vals]
        if not changed:
            return
        for namespace in self:
            deployed = namespace.sudo().app_ids.filtered(
                lambda app: app.state not in ("draft", "deleted")
            )
            if not deployed:
                continue
            for name in changed:
                field = self._fields[name]
                current = field.convert_to_write(namespace[name], namespace)
                if current == (vals[name] or False):
                    continue
                raise UserError(
                    _(
                        "The namespace %(name)s holds apps on the cluster "
                        "(%(apps)s): its %(field)s cannot change. Delete those "
                        "apps from the cluster first.",
                        name=namespace.name,
                        apps=", ".join(deployed.mapped("name")),
                        field=field._description_string(self.env),
                    )
                )

    @api.constrains("name")
    def _check_name(self):
        for namespace in self:
            if names.app_name_problem(namespace.name) in ("invalid", "empty") or (
                len(namespace.name) > 63
            ):
                raise ValidationError(
                    _(
                        "The namespace name %(name)s is not a valid DNS label.",
                        name=namespace.name,
                    )
                )

    @api.model
    def _get_or_create(self, partner, environment, company):
        """Return the namespace of ``partner`` in ``environment``, created when
        missing."""
        partner = partner.commercial_partner_id
        namespace = self.search(
            [
                ("partner_id", "=", partner.id),
                ("environment_id", "=", environment.id),
                ("company_id", "=", company.id),
            ],
            limit=1,
        )
        return namespace or self.create(
            {
                "partner_id": partner.id,
                "environment_id": environment.id,
                "company_id": company.id,
            }
        )

    def action_view_apps(self):
        """Open the apps of this namespace."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kubernetes_base.kubernetes_app_action"
        )
        action["domain"] = [("namespace_id", "=", self.id)]
        action["context"] = {
            "default_namespace_id": self.id,
            "default_environment_id": self.environment_id.id,
        }
        return action
