import base64
import hashlib
import hmac
import json
import logging

from cryptography.fernet import Fernet, InvalidToken

from odoo import fields, models
from odoo.tools import SQL

from ..lib.cluster import ObjectStore

_logger = logging.getLogger(__name__)

VERSION_SEQUENCE = "kubernetes_dry_run_object_version_seq"
#: The fields of a Secret kept encrypted, never as plain JSON.
SEALED_FIELDS = ("data", "stringData")


class KubernetesDryRunObject(models.Model):
    """An object the dry-run backend applied for a company: its cluster.

    Kept in the database so that every worker process sees the same cluster,
    and a restart forgets nothing. Read and written only through
    :meth:`_store`, as the superuser; readable by system administrators. The
    data of a Secret is encrypted at rest, as a cluster with encryption of
    Secrets configured keeps it: neither the table nor a query log shows it.
    """

    _name = "kubernetes.dry_run.object"
    _description = "Kubernetes Dry-run Object"
    _order = "company_id, namespace, kind, name"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade"
    )
    api_version = fields.Char(string="API Version", required=True)
    kind = fields.Char(required=True)
    namespace = fields.Char(help="Empty for an object that belongs to no namespace.")
    name = fields.Char(required=True)
    content = fields.Json(required=True, help="The object, less a Secret's data.")
    sealed_data = fields.Text(
        help="A Secret's data and stringData, encrypted with a key derived from "
        "the database secret."
    )

    def init(self):
        # One object per key; a cluster-scoped object has no namespace.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS kubernetes_dry_run_object_key_uniq
            ON kubernetes_dry_run_object
                (company_id, api_version, kind, COALESCE(namespace, ''), name)
            """
        )
        self.env.cr.execute(
            SQL("CREATE SEQUENCE IF NOT EXISTS %s", SQL.identifier(VERSION_SEQUENCE))
        )

    def _store(self, company):
        """Return the :class:`..lib.cluster.ObjectStore` of ``company``'s
        dry-run cluster."""
        return DatabaseStore(self.sudo().with_context(active_test=False), company)


class DatabaseStore(ObjectStore):
    """An :class:`..lib.cluster.ObjectStore` on ``kubernetes.dry_run.object``.

    Writes share the transaction of the caller: the cron's step commits them
    or rolls them back with the app's own changes. The data of Secrets goes
    through :meth:`_seal` and :meth:`_unseal`.
    """

    def __init__(self, model, company):
        self.model = model
        self.company = company

    def _domain(self, api_version=None, kind=None, namespace=None, name=None):
        domain = [("company_id", "=", self.company.id)]
        for field, value in (
            ("api_version", api_version),
            ("kind", kind),
            ("namespace", namespace),
            ("name", name),
        ):
            if value is not None:
                domain.append((field, "=", value))
        return domain

    def _record(self, key):
        api_version, kind, namespace, name = key
        domain = self._domain(api_version, kind, name=name)
        domain.append(("namespace", "=", namespace or False))
        return self.model.search(domain, limit=1)

    @staticmethod
    def _key(record):
        return (record.api_version, record.kind, record.namespace or None, record.name)

    def _fernet(self):
        secret = self.model.env["ir.config_parameter"].get_param("database.secret")
        digest = hmac.new(
            secret.encode(), self.model._name.encode(), hashlib.sha256
        ).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def _seal(self, key, obj):
        """Return the values that store ``obj``: a Secret's data encrypted."""
        if key[:2] != ("v1", "Secret"):
            return {"content": obj, "sealed_data": False}
        payload = {field: obj[field] for field in SEALED_FIELDS if field in obj}
        content = {k: v for k, v in obj.items() if k not in SEALED_FIELDS}
        token = self._fernet().encrypt(json.dumps(payload).encode()).decode()
        return {"content": content, "sealed_data": token}

    def _unseal(self, record):
        """Return the object ``record`` stores, a Secret's data decrypted.

        Data encrypted under another database secret cannot be read: the
        Secret then reads as empty, and the next deploy writes it anew.
        """
        if not record.sealed_data:
            return record.content
        try:
            payload = json.loads(self._fernet().decrypt(record.sealed_data.encode()))
        except InvalidToken:
            _logger.warning(
                "dry-run Secret %s/%s of company %s was encrypted under another "
                "database secret; it reads as empty",
                record.namespace,
                record.name,
                self.company.id,
            )
            payload = {}
        return dict(record.content, **payload)

    def get(self, key):
        record = self._record(key)
        return self._unseal(record) if record else None

    def put(self, key, obj):
        values = self._seal(key, obj)
        record = self._record(key)
        if record:
            record.write(values)
            return
        api_version, kind, namespace, name = key
        self.model.create(
            dict(
                values,
                company_id=self.company.id,
                api_version=api_version,
                kind=kind,
                namespace=namespace or False,
                name=name,
            )
        )

    def remove(self, keys):
        records = self.model.browse()
        for key in keys:
            records |= self._record(key)
        records.unlink()

    def find(self, api_version=None, kind=None, namespace=None):
        records = self.model.search(self._domain(api_version, kind, namespace))
        return [(self._key(record), self._unseal(record)) for record in records]

    def next_version(self):
        self.model.env.cr.execute(SQL("SELECT nextval(%s)", VERSION_SEQUENCE))
        return str(self.model.env.cr.fetchone()[0])

    def lock(self):
        # Two workers applying for one company (the same Namespace, say) wait
        # for each other until the first one's transaction ends.
        self.model.env.cr.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), %s)",
            (self.model._name, self.company.id),
        )
        return super().lock()
