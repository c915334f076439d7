"""What the backend tests share: the backends under test and an app.

:func:`app_objects` renders the manifests shipped with ``kubernetes_base``
for one app, as the deployer does; :class:`Backend` is one backend under test
with ways to look at what the cluster holds. The fixtures built on them are
in :mod:`kube_fixtures`.
"""

import datetime
import ipaddress
import pathlib
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from odoo.addons.kubernetes_backend_api.lib.transport import ApiTransport
from odoo.addons.kubernetes_backend_kr8s.lib.transport import Kr8sTransport
from odoo.addons.kubernetes_base.lib import render
from odoo.addons.kubernetes_base.lib.cluster import (
    AppOperations,
    ClusterSettings,
    MemoryTransport,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
MANIFEST_DIR = ROOT / "kubernetes_base" / "data" / "manifests"
#: The shipped manifests, in the order a product applies them.
MANIFESTS = (
    "namespace",
    "secret",
    "configmap",
    "filestore",
    "postgres",
    "deployment",
    "service",
    "ingress",
)
TOKEN = "company-token-7f3a"
NAMESPACE = "acme-prod"
HTTP_BACKENDS = ("api", "kr8s")
ALL_BACKENDS = (*HTTP_BACKENDS, "memory")
TRANSPORTS = {"api": ApiTransport, "kr8s": Kr8sTransport}


def app_objects(name, namespace=NAMESPACE, config=None, secrets=None):
    """Return the rendered objects of app ``name``, as the deployer has them."""
    manifests = [
        (manifest, (MANIFEST_DIR / (f"{manifest}.yaml.j2")).read_text())
        for manifest in MANIFESTS
    ]
    values = {
        "app": {
            "name": name,
            "hostname": f"{name}.example.com",
            "namespace": namespace,
            "environment": "prod",
            "product": "odoo",
            "login": "admin",
        },
        "config": config or {"ENVIRONMENT": "prod", "REVISION": "18.0.20250101"},
        "secrets": secrets
        or {
            "admin_password": f"admin-{name}-secret",
            "db_password": "db-secret",
        },
        "company": {"domain": "example.com", "tls_issuer": "letsencrypt"},
    }
    return render.render_objects(manifests, values)


def labels(name):
    """Return the labels of app ``name``."""
    return render.app_labels(name)


def settings(url, **overrides):
    """Return the company settings used against a test server."""
    values = {"url": url, "token": TOKEN, "timeout": 5.0}
    values.update(overrides)
    return ClusterSettings(**values)


class Backend:
    """One backend under test, on the mock cluster or on its own memory."""

    def __init__(self, name, kube):
        self.name = name
        self.kube = kube
        self.scope = f"test-{uuid.uuid4().hex}"
        self._transports = []

    @property
    def is_http(self):
        return self.name in HTTP_BACKENDS

    def transport(self, **overrides):
        """Return a new transport of this backend (closed at teardown);
        ``overrides`` change the settings, the URL of the mock included."""
        if self.name == "memory":
            transport = MemoryTransport(self.scope)
        else:
            overrides.setdefault("url", self.kube.url)
            transport = TRANSPORTS[self.name](settings(**overrides))
        self._transports.append(transport)
        return transport

    def operations(self, **overrides):
        """Return :class:`AppOperations` on a new transport."""
        return AppOperations(self.transport(**overrides))

    def stored(self, api_version, kind, namespace, name):
        """Return the object as the cluster holds it, or None."""
        if self.name == "memory":
            return MemoryTransport(self.scope).get(api_version, kind, namespace, name)
        return self.kube.get(api_version, kind, namespace, name)

    def names(self, api_version, kind, namespace):
        """Return the sorted names of a kind's objects in a namespace."""
        if self.name == "memory":
            items = MemoryTransport(self.scope).list(api_version, kind, namespace, {})
            return sorted(item["metadata"]["name"] for item in items)
        return self.kube.names(api_version, kind, namespace)

    def put(self, obj):
        """Store an object as a controller would (e.g. a volume claim)."""
        if self.name == "memory":
            MemoryTransport(self.scope).apply(obj)
        else:
            self.kube.put(obj)

    def close(self):
        for transport in self._transports:
            transport.close()
        MemoryTransport.reset(self.scope)


def make_certificates(directory):
    """Write a CA and a server certificate for 127.0.0.1 into ``directory``;
    return ``(ca_pem, cert_path, key_path)``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = {
        "not_valid_before": now - datetime.timedelta(days=1),
        "not_valid_after": now + datetime.timedelta(days=1),
    }
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory = pathlib.Path(directory)
    cert_path = directory / "server.pem"
    key_path = directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    return ca_pem, cert_path, key_path
