import datetime
import logging
import threading

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import names, objects
from ..lib.exceptions import KubernetesError

_logger = logging.getLogger(__name__)

#: Attempts of one action before a retryable fault fails the app.
MAX_ATTEMPTS = 6
#: Delay before the second attempt; it doubles with each attempt.
RETRY_DELAY = datetime.timedelta(seconds=30)
#: Longest delay between two attempts.
RETRY_DELAY_MAX = datetime.timedelta(minutes=30)
#: Delay between two looks at a rollout in progress.
WATCH_INTERVAL = datetime.timedelta(seconds=15)
#: How long a rollout may take before the app is failed.
WATCH_DEADLINE = datetime.timedelta(minutes=20)


class KubernetesApp(models.Model):
    """An app of a customer, deployed from a product's manifests.

    Every change on the cluster is asked for by an action (deploy, suspend,
    resume, delete) that only records the wish in ``pending_action`` and
    triggers the provisioning cron; :meth:`_cron_process` does the work
    outside any HTTP request, one locked app at a time, and retries transient
    faults with growing delays. Each step is posted on the chatter, without
    secrets.
    """

    _name = "kubernetes.app"
    _description = "Kubernetes App"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True,
        tracking=True,
        help="A DNS label: lower-case letters, digits and hyphens, starting with "
        "a letter, at most 53 characters.",
    )
    hostname = fields.Char(
        tracking=True,
        copy=False,
        help="Set to <name>.<company domain> when the app is created; it follows "
        "the name while the app is a draft, unless it was typed by hand. Only "
        "Kubernetes managers may type one.",
    )
    default_hostname = fields.Char(
        compute="_compute_default_hostname",
        help="The hostname the app gets from its name and its company's domain.",
    )
    url = fields.Char(string="Address", compute="_compute_url")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
        domain=[("is_kubernetes_app", "=", True)],
    )
    config_map_ids = fields.One2many(
        "kubernetes.config.map", "app_id", string="Configuration", copy=True
    )
    namespace_id = fields.Many2one(
        "kubernetes.namespace",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    environment_id = fields.Many2one(
        "kubernetes.environment", required=True, ondelete="restrict", tracking=True
    )
    partner_id = fields.Many2one(
        related="namespace_id.partner_id", store=True, index=True, string="Customer"
    )
    company_id = fields.Many2one(
        related="namespace_id.company_id", store=True, index=True
    )
    state = fields.Selection(
        string="Status",
        selection=[
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("deploying", "Deploying"),
            ("running", "Running"),
            ("failed", "Failed"),
            ("suspended", "Suspended"),
            ("deleted", "Deleted"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    pending_action = fields.Selection(
        [
            ("deploy", "Deploy"),
            ("watch", "Follow rollout"),
            ("suspend", "Suspend"),
            ("resume", "Resume"),
            ("delete", "Delete"),
        ],
        readonly=True,
        copy=False,
        index=True,
        help="Work waiting for the provisioning cron.",
    )
    next_attempt_date = fields.Datetime(readonly=True, copy=False)
    attempt_count = fields.Integer(readonly=True, copy=False)
    rotate_credentials = fields.Boolean(
        readonly=True,
        copy=False,
        help="The next deploy generates new credentials.",
    )
    last_error = fields.Text(readonly=True, copy=False)
    status_message = fields.Char(readonly=True, copy=False)
    applied_objects = fields.Text(
        readonly=True,
        copy=False,
        help="The objects last applied, as YAML; secret values are masked.",
    )
    applied_date = fields.Datetime(readonly=True, copy=False)
    running_date = fields.Datetime(string="First running on", readonly=True, copy=False)
    suspend_reason = fields.Char(
        readonly=True,
        copy=False,
        help="Why the app was suspended, in words its customer may read.",
    )
    restarted_at = fields.Datetime(
        string="Restart asked on",
        readonly=True,
        copy=False,
        help="Stamped on the pod templates of the app's workloads, so that the "
        "deploy following a restart rolls the pods even when nothing else "
        "changed.",
    )

    @api.depends("name", "namespace_id.company_id.kubernetes_domain")
    def _compute_default_hostname(self):
        for app in self:
            app.default_hostname = self._get_default_hostname(
                app.name, app.namespace_id.company_id
            )

    @api.depends("hostname")
    def _compute_url(self):
        for app in self:
            app.url = f"https://{app.hostname}" if app.hostname else False

    @api.onchange("name")
    def _onchange_name(self):
        # A draft's hostname that was the default of its former name is
        # emptied, so that the form shows the new default as a placeholder;
        # saving an empty hostname on a draft stores the default.
        if self.state == "draft" and self.hostname:
            former = self._get_default_hostname(
                self._origin.name, self.namespace_id.company_id
            )
            if self.hostname == former:
                self.hostname = False

    @api.model
    def _get_default_hostname(self, name, company):
        """Return ``<name>.<company domain>``, or False without a name or a
        domain: the company of the app is the one asked, never the user's."""
        if not name or not company.kubernetes_domain:
            return False
        return names.default_hostname(name, company.kubernetes_domain)

    # -- validation ---------------------------------------------------------

    @api.model
    def _get_name_problem(self, name, company, app=None):
        """Return why ``name`` cannot be used for an app of ``company``.

        :param app: the app being renamed, left out of the "taken" check
        :returns: a translated sentence, or an empty string when it can be used
        """
        code = names.app_name_problem(name)
        if not code:
            domain = [
                ("name", "=", name),
                ("company_id", "=", company.id),
                ("state", "!=", "deleted"),
            ]
            if app:
                domain.append(("id", "!=", app.id))
            if self.sudo().search_count(domain, limit=1):
                code = "taken"
        if not code:
            return ""
        messages = {
            "empty": _("Enter a name for the app."),
            "too_long": _(
                "The name %(name)s is too long: use at most %(max)s characters.",
                name=name,
                max=names.MAX_APP_NAME_LENGTH,
            ),
            "invalid": _(
                "The name %(name)s is not valid: use lower-case letters, digits "
                "and hyphens, start with a letter and end with a letter or a digit.",
                name=name,
            ),
            "reserved": _("The name %(name)s is reserved.", name=name),
            "taken": _("The name %(name)s is already taken.", name=name),
        }
        return messages[code]

    @api.constrains("name", "company_id", "state")
    def _check_name(self):
        for app in self.filtered(lambda a: a.state != "deleted"):
            problem = self._get_name_problem(app.name, app.company_id, app=app)
            if problem:
                raise ValidationError(problem)

    @api.constrains("hostname", "state")
    def _check_hostname(self):
        for app in self.filtered(lambda a: a.state != "deleted"):
            if not app.hostname:
                raise ValidationError(
                    _(
                        "The app %(name)s has no hostname: set the Kubernetes "
                        "domain of company %(company)s or type a hostname.",
                        name=app.name,
                        company=app.company_id.name,
                    )
                )
            if names.hostname_problem(app.hostname):
                raise ValidationError(
                    _(
                        "The hostname %(hostname)s is not a valid DNS name.",
                        hostname=app.hostname,
                    )
                )
            self._check_hostname_free(app.hostname, apps=app)

    @api.model
    def _check_hostname_free(self, hostname, apps=None):
        """Raise a ValidationError when an app other than ``apps`` uses
        ``hostname``."""
        domain = [("hostname", "=", hostname), ("state", "!=", "deleted")]
        if apps:
            domain.append(("id", "not in", apps.ids))
        if self.sudo().search_count(domain, limit=1):
            raise ValidationError(
                _(
                    "The hostname %(hostname)s is already used by another app.",
                    hostname=hostname,
                )
            )

    @api.constrains("environment_id", "namespace_id", "product_id")
    def _check_environment(self):
        for app in self:
            if app.namespace_id.environment_id != app.environment_id:
                raise ValidationError(
                    _(
                        "The app %(name)s runs in %(environment)s but its namespace "
                        "%(namespace)s is for %(namespace_environment)s.",
                        name=app.name,
                        environment=app.environment_id.display_name,
                        namespace=app.namespace_id.name,
                        namespace_environment=app.namespace_id.environment_id.display_name,
                    )
                )
            allowed = app.product_id.product_tmpl_id.environment_ids
            if allowed and app.environment_id not in allowed:
                raise ValidationError(
                    _(
                        "The product %(product)s cannot run in %(environment)s.",
                        product=app.product_id.display_name,
                        environment=app.environment_id.display_name,
                    )
                )

    def init(self):
        # The Python checks give the message, these indexes settle races
        # between two transactions.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS kubernetes_app_name_company_uniq
            ON kubernetes_app (company_id, name) WHERE state != 'deleted'
            """
        )
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS kubernetes_app_hostname_uniq
            ON kubernetes_app (hostname) WHERE state != 'deleted'
            """
        )

    # -- CRUD ---------------------------------------------------------------

    #: Fields that name the app's objects on the cluster, found by the label
    #: ``app.kubernetes.io/instance=<name>`` in the namespace: they may change
    #: only while the app has no object there (draft or deleted).
    _IDENTITY_FIELDS = ("name", "namespace_id", "product_id", "environment_id")

    @api.model_create_multi
    def create(self, vals_list):
        products = self.env["product.product"]
        namespaces = self.env["kubernetes.namespace"]
        for vals in vals_list:
            # Checked before the insert, so that the unique indexes, which
            # settle races, are not what a user meets.
            company = namespaces.browse(vals.get("namespace_id")).company_id
            problem = self._get_name_problem(vals.get("name") or "", company)
            if problem:
                raise ValidationError(problem)
            default = self._get_default_hostname(vals.get("name"), company)
            if not vals.get("hostname"):
                vals["hostname"] = default
            elif vals["hostname"] != default:
                self._check_hostname_access()
            if vals.get("hostname"):
                self._check_hostname_free(vals["hostname"])
            if "config_map_ids" not in vals and vals.get("product_id"):
                product = products.browse(vals["product_id"])
                vals["config_map_ids"] = [
                    fields.Command.create(entry._prepare_app_copy_vals())
                    for entry in product.product_tmpl_id.config_map_template_ids
                ]
        return super().create(vals_list)

    def write(self, vals):
        self._check_identity_change(vals)
        if vals.get("name"):
            for app in self:
                problem = self._get_name_problem(vals["name"], app.company_id, app=app)
                if problem:
                    raise ValidationError(problem)
        if "hostname" in vals:
            for app in self:
                app._check_hostname_change(vals["hostname"], vals.get("name"))
        if vals.get("hostname"):
            self._check_hostname_free(vals["hostname"], apps=self)

        followers = self._get_hostname_followers(vals)
        if followers:
            # Written apart: each follower's hostname is the default of its
            # own company, and the constraints then check it like any other.
            follower_vals = {k: v for k, v in vals.items() if k != "hostname"}
            super(KubernetesApp, followers).write(follower_vals)
            for app in followers:
                hostname = self._get_default_hostname(app.name, app.company_id)
                if hostname:
                    self._check_hostname_free(hostname, apps=app)
                super(KubernetesApp, app).write({"hostname": hostname})
        others = self - followers
        if others:
            super(KubernetesApp, others).write(vals)
        if "namespace_id" in vals and not self.env.su:
            # The record rules were checked before the write only: a draft
            # moved into another company's namespace changed company with it.
            self.check_access("write")
        return True

    def _get_hostname_followers(self, vals):
        """Return the draft apps whose hostname follows their name in this
        write: the hostname is written empty, or the name changes and the
        hostname was the default of the former name."""
        if "hostname" in vals:
            if vals["hostname"]:
                return self.browse()
            return self.filtered(lambda app: app.state == "draft")
        if not vals.get("name"):
            return self.browse()
        return self.filtered(
            lambda app: (
                app.state == "draft"
                and app.hostname
                in (False, self._get_default_hostname(app.name, app.company_id))
            )
        )

    def _check_identity_change(self, vals):
        """Raise a UserError when ``vals`` changes an identity field of an app
        that has objects on the cluster."""
        changed = [name for name in self._IDENTITY_FIELDS if name in vals]
        if not changed:
            return
        for app in self.filtered(lambda a: a.state not in ("draft", "deleted")):
            for name in changed:
                field = self._fields[name]
                if field.convert_to_write(app[name], app) == (vals[name] or False):
                    continue
                raise UserError(
                    _(
                        "The app %(name)s is %(state)s: its %(field)s cannot change "
                        "while it has objects on the cluster. Delete it from the "
                        "cluster first, or create a new app.",
                        name=app.name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[app.state],
                        field=field._description_string(self.env),
                    )
                )

    @api.model
    def _check_hostname_access(self):
        """Raise an AccessError unless the user may type a hostname."""
        if self.env.su or self.env.user.has_group(
            "kubernetes_base.group_kubernetes_manager"
        ):
            return
        raise AccessError(_("Only Kubernetes managers may change a hostname."))

    def _check_hostname_change(self, hostname, name=None):
        """Raise an AccessError unless the user may give the app ``hostname``.

        Anybody may keep the hostname, and, on a draft, empty it or set the
        default of its (new) name; anything else is for managers.
        """
        self.ensure_one()
        if (hostname or False) == (self.hostname or False):
            return
        if self.state == "draft" and (
            not hostname
            or hostname
            == self._get_default_hostname(name or self.name, self.company_id)
        ):
            return
        self._check_hostname_access()

    def unlink(self):
        # The entries go with the app by a database cascade, their values
        # through the ORM.
        values = self.config_map_ids.value_id
        result = super().unlink()
        values._unlink_orphans()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_deployed(self):
        for app in self:
            if app.state not in ("draft", "deleted"):
                raise UserError(
                    _(
                        "The app %(name)s has objects on the cluster: delete it "
                        "from the cluster first.",
                        name=app.name,
                    )
                )

    # -- actions ------------------------------------------------------------

    def action_deploy(self):
        """Queue a deploy (or a redeploy) of the apps; returns True."""
        self._check_action_allowed("deploy", ("draft", "failed", "running", "queued"))
        self._queue("deploy", state="queued")
        return True

    def action_redeploy(self):
        """Queue a new deploy of running apps; returns True."""
        return self.action_deploy()

    def action_suspend(self, reason=None):
        """Queue scaling the apps to zero, keeping their data; returns True.

        :param str reason: why, in words the customer may read; kept on the
            app until it runs again
        """
        self._check_action_allowed(
            "suspend", ("queued", "deploying", "running", "failed")
        )
        self._queue_suspend(reason)
        return True

    def action_resume(self):
        """Queue scaling suspended apps back up; returns True."""
        self._check_action_allowed("resume", ("suspended",))
        self._queue("resume")
        return True

    def action_delete(self):
        """Queue removing the apps' objects from the cluster; returns True."""
        states = ("queued", "deploying", "running", "failed", "suspended")
        self._check_action_allowed("delete", states)
        self._queue("delete")
        return True

    def action_restart(self):
        """Queue a deploy that replaces the apps' pods; returns True.

        The time of the request, :attr:`restarted_at`, is stamped on the pod
        templates by the deployer, so the cluster rolls the pods even when
        neither the configuration nor the credentials changed.
        """
        self._check_action_allowed("restart", ("running", "failed"))
        self.write({"restarted_at": fields.Datetime.now()})
        for app in self:
            app._post_step(_("Restart requested."))
            _logger.info("app %s: restart requested", app.name)
        self._queue("deploy", state="queued")
        return True

    def action_rotate_credentials(self):
        """Queue a deploy with newly generated credentials; returns True."""
        self._check_action_allowed("deploy", ("running", "failed", "deploying"))
        self.write({"rotate_credentials": True})
        self._queue("deploy", state="queued")
        return True

    #: Pending work that a newly asked action may not replace: a deploy does
    #: not undo a suspend or a delete, a suspend does not undo a delete.
    _BLOCKING_PENDING = {
        "deploy": ("suspend", "resume", "delete"),
        "restart": ("suspend", "resume", "delete"),
        "suspend": ("delete",),
        "resume": ("delete",),
        "delete": (),
    }

    def _check_action_allowed(self, action, states):
        """Raise a UserError unless every app may be asked ``action`` now."""
        pending_labels = dict(
            self._fields["pending_action"]._description_selection(self.env)
        )
        for app in self:
            if app.state not in states:
                raise UserError(app._get_action_refusal(action))
            if app.pending_action in self._BLOCKING_PENDING[action]:
                raise UserError(
                    _(
                        "The app %(name)s is waiting for: %(pending)s. Try again "
                        "once that is done.",
                        name=app.name,
                        pending=pending_labels[app.pending_action],
                    )
                )

    def _get_action_refusal(self, action):
        """Return why ``action`` cannot be asked of the app in its state, as a
        translated sentence."""
        self.ensure_one()
        name = self.name
        state = dict(self._fields["state"]._description_selection(self.env))[self.state]
        if action == "restart":
            return _(
                "The app %(name)s is %(state)s: it can be restarted only when it "
                "is running or failed.",
                name=name,
                state=state,
            )
        if action == "suspend":
            return _(
                "The app %(name)s is %(state)s: it cannot be suspended now.",
                name=name,
                state=state,
            )
        if action == "resume":
            return _(
                "The app %(name)s is %(state)s: it cannot be resumed now.",
                name=name,
                state=state,
            )
        if action == "delete":
            return _(
                "The app %(name)s is %(state)s: it cannot be deleted from the "
                "cluster now.",
                name=name,
                state=state,
            )
        return _(
            "The app %(name)s is %(state)s: it cannot be deployed now.",
            name=name,
            state=state,
        )

    def _queue_suspend(self, reason=None):
        """Queue a suspend without the checks of :meth:`action_suspend`.

        For callers that decide themselves which apps to suspend, such as a
        closed subscription. A pending credential rotation survives it: the
        resume that follows deploys the new credentials.
        """
        self._queue("suspend")
        self.write({"suspend_reason": reason or False})

    def _queue(self, action, state=None):
        """Record ``action`` as the apps' pending work and wake the cron."""
        now = fields.Datetime.now()
        vals = {
            "pending_action": action,
            "next_attempt_date": now,
            "attempt_count": 0,
            "last_error": False,
        }
        if state:
            vals["state"] = state
        self.write(vals)
        label = dict(self._fields["pending_action"]._description_selection(self.env))[
            action
        ]
        for app in self:
            app._post_step(_("%(action)s queued.", action=label))
            _logger.info("app %s: %s queued", app.name, action)
        self.env.ref("kubernetes_base.ir_cron_kubernetes_app_process")._trigger()

    # -- provisioning -------------------------------------------------------

    @api.model
    def _cron_process(self, limit=50):
        """Do the pending work of due apps, each in its own transaction."""
        apps = self.search(
            [
                ("pending_action", "!=", False),
                ("next_attempt_date", "<=", fields.Datetime.now()),
            ],
            order="next_attempt_date, id",
            limit=limit,
        )
        for app in apps:
            if not app._try_lock():
                _logger.debug("app %s is being processed elsewhere", app.name)
                continue
            app._process_pending()
            if not getattr(threading.current_thread(), "testing", False):
                # Each app's work is its own transaction: the cluster has already
                # changed, so a later app's failure must not roll this one back,
                # and the row lock is released for the next worker.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def _try_lock(self):
        """Lock the app's row for this transaction.

        Returns False when another worker holds the row (it is skipped, not
        waited for), when its pending work is already done, or when the row
        changed since this transaction began (a user queued an action
        meanwhile): the app is then left for a later run, and the other apps
        of this run go on.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "SELECT pending_action FROM kubernetes_app WHERE id = %s "
                    "FOR UPDATE SKIP LOCKED",
                    (self.id,),
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
        except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable) as err:
            _logger.debug(
                "app %s changed or locked meanwhile (%s), left for a later run",
                self.id,
                err.pgcode,
            )
            return False
        finally:
            self.invalidate_recordset()
        return bool(row and row[0])

    def _process_pending(self):
        """Run the app's pending action once and record the outcome."""
        self.ensure_one()
        action = self.pending_action
        steps = {
            "deploy": self._run_deploy,
            "watch": self._run_watch,
            "suspend": self._run_suspend,
            "resume": self._run_resume,
            "delete": self._run_delete,
        }
        _logger.debug("app %s: running %s", self.name, action)
        try:
            with self.env.cr.savepoint():
                with self.company_id.sudo()._kubernetes_deployer() as deployer:
                    steps[action](deployer)
        except KubernetesError as err:
            if err.retryable:
                self._handle_retry(action, err)
            else:
                self._handle_failure(action, str(err))
        except (UserError, ValidationError) as err:
            self._handle_failure(action, str(err.args[0]))
        except Exception:
            _logger.exception("app %s: %s failed unexpectedly", self.name, action)
            self._handle_failure(
                action, _("An unexpected error occurred; the server log has details.")
            )

    def _run_deploy(self, deployer):
        rendered = deployer.apply(self, new_credentials=self.rotate_credentials)
        self.write(
            {
                "state": "deploying",
                "pending_action": "watch",
                "next_attempt_date": fields.Datetime.now(),
                "attempt_count": 0,
                "rotate_credentials": False,
                "last_error": False,
                "status_message": _("Objects applied, waiting for the rollout."),
                "applied_objects": objects.to_redacted_yaml(
                    rendered,
                    self.config_map_ids.filtered("is_secret")
                    .value_id.sudo()
                    .mapped("value"),
                ),
                "applied_date": fields.Datetime.now(),
            }
        )
        self._post_step(
            _(
                "Applied %(count)s objects: %(objects)s.",
                count=len(rendered),
                objects=", ".join(objects.describe(rendered)),
            )
        )
        _logger.info("app %s: %d objects applied", self.name, len(rendered))
        self._trigger_cron(fields.Datetime.now())

    def _run_watch(self, deployer):
        status = deployer.status(self)
        if status.state == "ready":
            first_time = not self.running_date
            self.write(
                {
                    "state": "running",
                    "pending_action": False,
                    "status_message": status.message or _("Ready."),
                    "last_error": False,
                    "suspend_reason": False,
                    "running_date": self.running_date or fields.Datetime.now(),
                }
            )
            self._post_step(_("Running at %(url)s.", url=self.url))
            _logger.info("app %s: running", self.name)
            self._run_hook(self._on_running, first_time)
            return
        if status.state in ("failed", "missing"):
            self._handle_failure("watch", status.message)
            return
        deadline = (self.applied_date or fields.Datetime.now()) + WATCH_DEADLINE
        now = fields.Datetime.now()
        if now > deadline:
            self._handle_failure(
                "watch",
                _(
                    "The rollout did not finish within %(minutes)s minutes: %(reason)s",
                    minutes=int(WATCH_DEADLINE.total_seconds() // 60),
                    reason=status.message,
                ),
            )
            return
        self.write(
            {
                "status_message": status.message,
                "next_attempt_date": now + WATCH_INTERVAL,
            }
        )
        self._trigger_cron(now + WATCH_INTERVAL)

    def _run_suspend(self, deployer):
        deployer.suspend(self)
        self.write(
            {
                "state": "suspended",
                "pending_action": False,
                "status_message": _("Scaled to zero; data kept."),
            }
        )
        self._post_step(_("Suspended: scaled to zero, data kept."))
        _logger.info("app %s: suspended", self.name)
        self._run_hook(self._on_suspended)

    def _run_resume(self, deployer):
        if self.rotate_credentials:
            # A rotation asked before the suspend: the deploy brings the new
            # credentials and the replicas of the manifests back at once.
            self._run_deploy(deployer)
            return
        deployer.resume(self)
        now = fields.Datetime.now()
        self.write(
            {
                "state": "deploying",
                "pending_action": "watch",
                "next_attempt_date": now,
                "applied_date": now,
                "status_message": _("Scaled back up, waiting for the rollout."),
            }
        )
        self._post_step(_("Resumed: scaled back up."))
        _logger.info("app %s: resumed", self.name)
        self._trigger_cron(now)

    def _run_delete(self, deployer):
        deleted = deployer.delete(self)
        self.write(
            {
                "state": "deleted",
                "pending_action": False,
                "status_message": _("Removed from the cluster."),
                "applied_objects": False,
            }
        )
        self._post_step(
            _("Deleted %(count)s objects from the cluster.", count=len(deleted))
        )
        _logger.info("app %s: deleted (%d objects)", self.name, len(deleted))
        self._run_hook(self._on_deleted)

    def _handle_retry(self, action, err):
        attempt = self.attempt_count + 1
        if attempt >= MAX_ATTEMPTS:
            self._handle_failure(
                action,
                _(
                    "Gave up after %(attempts)s attempts: %(reason)s",
                    attempts=attempt,
                    reason=str(err),
                ),
            )
            return
        delay = min(RETRY_DELAY * 2 ** (attempt - 1), RETRY_DELAY_MAX)
        when = fields.Datetime.now() + delay
        self.write(
            {
                "attempt_count": attempt,
                "next_attempt_date": when,
                "last_error": str(err),
            }
        )
        self._post_fault(
            _(
                "Attempt %(attempt)s of %(max)s failed, retrying in %(seconds)s "
                "seconds: %(reason)s",
                attempt=attempt,
                max=MAX_ATTEMPTS,
                seconds=int(delay.total_seconds()),
                reason=str(err),
            )
        )
        _logger.warning(
            "app %s: %s attempt %d failed, retrying in %ds: %s",
            self.name,
            action,
            attempt,
            delay.total_seconds(),
            err,
        )
        self._trigger_cron(when)

    def _handle_failure(self, action, reason):
        self.write(
            {
                "state": "failed",
                "pending_action": False,
                "last_error": reason,
                "status_message": False,
            }
        )
        label = dict(self._fields["pending_action"]._description_selection(self.env))[
            action
        ]
        self._post_fault(
            _("%(action)s failed: %(reason)s", action=label, reason=reason)
        )
        _logger.warning("app %s: %s failed: %s", self.name, action, reason)

    def _post_step(self, body):
        """Post one provisioning step on the chatter; returns the message.

        The subtype is public, so the customer's portal shows the history,
        and not followed by default, so nobody is mailed for each step. The
        body is for the customer's eyes: no technical reason in it.
        """
        return self.message_post(
            body=body, subtype_xmlid="kubernetes_base.mt_app_provisioning"
        )

    def _post_fault(self, body):
        """Post a failure or a retry, with its technical reason, on the
        chatter; returns the message.

        The subtype is internal: the reason may name service accounts, hosts
        or texts of the cluster's API, which are not for the customer.
        """
        return self.message_post(
            body=body, subtype_xmlid="kubernetes_base.mt_app_provisioning_fault"
        )

    def _trigger_cron(self, when):
        self.env.ref("kubernetes_base.ir_cron_kubernetes_app_process")._trigger(when)

    # -- hooks --------------------------------------------------------------

    def _run_hook(self, hook, *args):
        """Run an extension hook in its own savepoint.

        The cluster work is done when a hook runs: a failing hook (a mail
        that cannot be rendered, say) is logged and noted on the app, and
        leaves the app in the state the cluster reached.
        """
        try:
            with self.env.cr.savepoint():
                hook(*args)
        except Exception:
            _logger.exception(
                "app %s: %s failed", self.name, getattr(hook, "__name__", hook)
            )
            self._post_fault(
                _(
                    "A follow-up step failed after the cluster work; the server "
                    "log has details."
                )
            )

    def _on_running(self, first_time):
        """Called when a rollout finished; ``first_time`` is True on the app's
        first run. Extension point for invitations and notifications."""

    def _on_suspended(self):
        """Called when the app's workloads were scaled to zero."""

    def _on_deleted(self):
        """Called when the app's objects were removed from the cluster."""

    # -- values for the deployer --------------------------------------------

    def _get_manifests(self):
        """Return ``[(name, content), ...]`` in apply order."""
        self.ensure_one()
        lines = self.product_id.product_tmpl_id.manifest_ids
        if not lines:
            raise UserError(
                _(
                    "The product %(product)s lists no manifest.",
                    product=self.product_id.display_name,
                )
            )
        empty = lines.manifest_id.filtered(lambda m: not m.content)
        if empty:
            raise UserError(
                _(
                    "The manifest %(name)s has no content: reload it.",
                    name=empty[0].name,
                )
            )
        return [(line.manifest_id.name, line.manifest_id.content) for line in lines]

    def _get_admin_login(self):
        """Return the login of the app's administrator, as the manifests
        receive it in ``app.login``."""
        return "admin"

    def _prepare_render_values(self, credentials):
        """Return the values the manifests are rendered with.

        :param credentials: the generated secret values, a dict
        """
        self.ensure_one()
        # The texts themselves, whoever runs the deploy: secret ones go to the
        # app's Secret, never to the user.
        entries = self.config_map_ids.sudo()
        return {
            "app": {
                "name": self.name,
                "hostname": self.hostname,
                "namespace": self.namespace_id.name,
                "environment": self.environment_id.short,
                "product": self.product_id.default_code or self.product_id.name,
                "login": self._get_admin_login(),
            },
            "config": {
                entry.key_id.key: entry.value_id.value
                for entry in entries
                if not entry.is_secret
            },
            "secret_config": {
                entry.key_id.key: entry.value_id.value
                for entry in entries
                if entry.is_secret
            },
            "secrets": dict(credentials),
            "company": {
                "domain": self.company_id.kubernetes_domain or "",
                "tls_issuer": self.company_id.kubernetes_tls_issuer or "",
            },
        }

    # -- views --------------------------------------------------------------

    def action_view_product(self):
        """Open the product the app is deployed from."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.template",
            "res_id": self.product_id.product_tmpl_id.id,
            "view_mode": "form",
        }

    def action_view_namespace(self):
        """Open the app's namespace."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "kubernetes.namespace",
            "res_id": self.namespace_id.id,
            "view_mode": "form",
        }
