"""The contract every deploy backend keeps, proven over HTTP.

The same tests run on the official-client backend (``api``) and on the kr8s
backend (``kr8s``) against the mock Kubernetes API of :mod:`kube_mock`, and
on the dry-run cluster (``memory``) where the behaviour applies to it. Faults
are served by ``pytest-httpserver``, which answers exactly what a test says.
"""

import base64
import json
import os
import re
import signal
import socket
import ssl
import threading
import time

import pytest
import werkzeug
from kube_backends import (
    NAMESPACE,
    TOKEN,
    TRANSPORTS,
    app_objects,
    labels,
    make_certificates,
    settings,
)
from kubernetes import client as kubernetes_client
from pytest_httpserver import HTTPServer

from odoo.addons.kubernetes_base.lib import cluster, objects, render
from odoo.addons.kubernetes_base.lib.exceptions import (
    ClusterUnavailableError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    InvalidObjectError,
    NamespaceTerminatingError,
    NotFoundError,
)

# The fixtures: backend, http_backend, transport_class, kube, mock_cluster.
pytest_plugins = ["kube_fixtures"]

APP = "r4ts"
OTHER = "k9zu"


def _versions(backend, objects):
    """Return ``{Kind/name: resourceVersion}`` of objects as stored."""
    versions = {}
    for obj in objects:
        metadata = obj["metadata"]
        stored = backend.stored(
            obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"]
        )
        versions[cluster.object_ref(obj)] = stored["metadata"]["resourceVersion"]
    return versions


# Apply -----------------------------------------------------------------------


def test_first_apply_creates_every_object(backend):
    objects = app_objects(APP)

    applied = backend.operations().apply(objects)

    assert applied[0] == f"Namespace/{NAMESPACE}"
    assert applied == [cluster.object_ref(obj) for obj in objects]
    for obj in objects:
        metadata = obj["metadata"]
        stored = backend.stored(
            obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"]
        )
        assert stored is not None, cluster.object_ref(obj)
        assert cluster.has_labels(stored, labels(APP))


def test_apply_adds_the_namespace_when_objects_have_none(backend):
    objects = [obj for obj in app_objects(APP) if obj["kind"] != "Namespace"]

    applied = backend.operations().apply(objects)

    assert applied[0] == f"Namespace/{NAMESPACE}"
    assert backend.stored("v1", "Namespace", None, NAMESPACE) is not None


def test_apply_again_changes_nothing(backend):
    objects = app_objects(APP)
    backend.operations().apply(objects)
    before = _versions(backend, objects)
    deployment = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)
    if backend.is_http:
        backend.kube.reset_requests()

    backend.operations().apply(app_objects(APP))

    assert _versions(backend, objects) == before
    again = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)
    assert again["metadata"]["generation"] == deployment["metadata"]["generation"]
    if backend.is_http:
        # Server-side apply only: no create, no replace, no delete.
        writes = [r for r in backend.kube.requests() if r.method != "GET"]
        assert {r.method for r in writes} == {"PATCH"}
        assert len(writes) == len(objects)
        for request in writes:
            assert request.headers["Content-Type"] == cluster.APPLY_CONTENT_TYPE
            assert request.params["fieldManager"] == "odoo-kubernetes"
            assert request.params["force"].lower() == "true"


def test_config_change_updates_the_configmap_and_rolls_the_deployment(backend):
    backend.operations().apply(app_objects(APP))
    before = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)

    changed = {"ENVIRONMENT": "prod", "REVISION": "18.0.20250301"}
    backend.operations().apply(app_objects(APP, config=changed))

    config = backend.stored("v1", "ConfigMap", NAMESPACE, f"{APP}-config")
    assert config["data"]["REVISION"] == "18.0.20250301"
    after = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    old = before["spec"]["template"]["metadata"]["annotations"]
    new = after["spec"]["template"]["metadata"]["annotations"]
    assert old[render.CHECKSUM_ANNOTATION] != new[render.CHECKSUM_ANNOTATION]


def test_apply_brings_a_suspended_app_back(backend):
    # What a resume does when a credential rotation waited for it: a deploy.
    objects = app_objects(APP)
    next(obj for obj in objects if obj["kind"] == "Deployment")["spec"]["replicas"] = 2
    operations = backend.operations()
    operations.apply(objects)
    operations.suspend(NAMESPACE, labels(APP))

    operations.apply(objects)

    for kind, name, replicas in (
        ("Deployment", APP, 2),
        ("StatefulSet", f"{APP}-db", 1),
    ):
        stored = backend.stored("apps/v1", kind, NAMESPACE, name)
        assert stored["spec"]["replicas"] == replicas, kind
        annotations = stored["metadata"].get("annotations") or {}
        assert cluster.ANNOTATION_REPLICAS not in annotations, kind
    assert operations.status(NAMESPACE, labels(APP)).state == "ready"
    # No stale mark is left for a later suspend and resume to misread.
    operations.suspend(NAMESPACE, labels(APP))
    stored = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)
    assert stored["metadata"]["annotations"][cluster.ANNOTATION_REPLICAS] == "2"
    operations.resume(NAMESPACE, labels(APP))
    stored = backend.stored("apps/v1", "Deployment", NAMESPACE, APP)
    assert stored["spec"]["replicas"] == 2


def test_apply_of_a_suspended_app_uses_the_scale_manager_to_wake_it(http_backend):
    operations = http_backend.operations()
    operations.apply(app_objects(APP))
    operations.suspend(NAMESPACE, labels(APP))
    http_backend.kube.reset_requests()

    operations.apply(app_objects(APP))

    patches = [r for r in http_backend.kube.requests() if r.method == "PATCH"]
    scale = [r for r in patches if r.params["fieldManager"].endswith("-scale")]
    assert len(patches) == len(app_objects(APP)) + 2
    assert sorted(r.path.rsplit("/", 1)[1] for r in scale) == [APP, f"{APP}-db"]
    for request in scale:
        assert request.data["metadata"]["annotations"] == {
            cluster.ANNOTATION_REPLICAS: None
        }


def test_unsupported_kind_is_refused_before_any_call(backend):
    objects = app_objects(APP) + [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}
    ]

    with pytest.raises(InvalidObjectError, match="Node"):
        backend.operations().apply(objects)

    assert backend.stored("v1", "Namespace", None, NAMESPACE) is None


# Credentials -------------------------------------------------------------------


def test_read_secret_decodes_the_credentials(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))

    values = operations.read_secret(NAMESPACE, f"{APP}-secret")

    assert values["ADMIN_PASSWORD"] == f"admin-{APP}-secret"
    assert operations.read_secret(NAMESPACE, "nothing-here") is None


def _credentials_secret(credentials):
    return objects.credentials_secret(
        f"{APP}-credentials", NAMESPACE, labels(APP), credentials
    )


def test_credentials_are_generated_once_then_kept(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))

    first = operations.credentials(NAMESPACE, f"{APP}-credentials")
    assert set(first) == {"admin_password", "db_password"}
    operations.apply([_credentials_secret(first)])

    assert operations.credentials(NAMESPACE, f"{APP}-credentials") == first


def test_rotation_renews_the_admin_password_and_keeps_the_database_one(backend):
    operations = backend.operations()
    stored = {"admin_password": "old-admin-secret", "db_password": "db-secret-kept"}
    operations.apply([*app_objects(APP), _credentials_secret(stored)])

    rotated = operations.credentials(NAMESPACE, f"{APP}-credentials", rotate=True)

    assert rotated["db_password"] == "db-secret-kept"
    assert rotated["admin_password"] not in ("old-admin-secret", "")
    assert len(rotated["admin_password"]) == 24
    operations.apply([*app_objects(APP, secrets=rotated), _credentials_secret(rotated)])
    app_secret = operations.read_secret(NAMESPACE, f"{APP}-secret")
    assert app_secret["POSTGRES_PASSWORD"] == "db-secret-kept"
    assert app_secret["ADMIN_PASSWORD"] == rotated["admin_password"]


def test_read_secret_decodes_base64_data(http_backend):
    operations = http_backend.operations()
    operations.apply(app_objects(APP))
    encoded = base64.b64encode("pässword".encode()).decode()
    http_backend.put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "stored", "namespace": NAMESPACE},
            "data": {"PASSWORD": encoded},
        }
    )

    assert operations.read_secret(NAMESPACE, "stored") == {"PASSWORD": "pässword"}


# Status ------------------------------------------------------------------------


def test_status_ready_with_the_ingress_host(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))

    status = operations.status(NAMESPACE, labels(APP))

    assert status.state == "ready", status
    assert status.address == f"{APP}.example.com"


def test_status_gives_the_load_balancer_address(http_backend):
    operations = http_backend.operations()
    operations.apply(app_objects(APP))
    http_backend.kube.set_status(
        "networking.k8s.io/v1",
        "Ingress",
        NAMESPACE,
        APP,
        {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}},
    )

    assert operations.status(NAMESPACE, labels(APP)).address == "203.0.113.7"


def test_status_of_an_app_not_deployed_is_missing(backend):
    assert backend.operations().status(NAMESPACE, labels(APP)).state == "missing"


def test_status_not_ready_gives_the_pod_waiting_reason(http_backend):
    mock = http_backend.kube
    mock.set_auto_rollout(False)
    operations = http_backend.operations()
    operations.apply(app_objects(APP))

    status = operations.status(NAMESPACE, labels(APP))
    assert status.state == "progressing"
    assert "observed" in status.message

    for kind, name in (("StatefulSet", f"{APP}-db"), ("Deployment", APP)):
        stored = mock.get("apps/v1", kind, NAMESPACE, name)
        ready = {
            "observedGeneration": stored["metadata"]["generation"],
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1 if kind == "StatefulSet" else 0,
            "availableReplicas": 1 if kind == "StatefulSet" else 0,
            "currentRevision": "r1",
            "updateRevision": "r1",
        }
        mock.set_status("apps/v1", kind, NAMESPACE, name, ready)
    mock.put(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{APP}-6d4b-x2",
                "namespace": NAMESPACE,
                "labels": {
                    "app.kubernetes.io/instance": APP,
                    "app.kubernetes.io/component": "odoo",
                },
            },
            "status": {
                "containerStatuses": [
                    {
                        "name": "odoo",
                        "state": {
                            "waiting": {
                                "reason": "CrashLoopBackOff",
                                "message": "back-off 40s restarting failed container",
                            }
                        },
                    }
                ]
            },
        }
    )

    status = operations.status(NAMESPACE, labels(APP))

    assert status.state == "progressing"
    assert status.reason == "CrashLoopBackOff"
    assert "0 of 1 updated replicas available" in status.message
    assert "CrashLoopBackOff" in status.message

    stored = mock.get("apps/v1", "Deployment", NAMESPACE, APP)
    deadline = dict(stored["status"])
    deadline["conditions"] = [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]
    mock.set_status("apps/v1", "Deployment", NAMESPACE, APP, deadline)

    status = operations.status(NAMESPACE, labels(APP))
    assert status.state == "failed"
    assert status.reason == "CrashLoopBackOff"
    assert "progress deadline" in status.message


# Suspend and resume ------------------------------------------------------------


def test_suspend_and_resume_keep_volumes_and_secrets(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))

    suspended = operations.suspend(NAMESPACE, labels(APP))

    assert sorted(suspended) == [
        f"Deployment/{APP}",
        f"StatefulSet/{APP}-db",
    ]
    for kind, name in (("Deployment", APP), ("StatefulSet", f"{APP}-db")):
        stored = backend.stored("apps/v1", kind, NAMESPACE, name)
        assert stored["spec"]["replicas"] == 0
        assert stored["metadata"]["annotations"][cluster.ANNOTATION_REPLICAS] == "1"
        # The rest of the manifest is untouched.
        assert stored["spec"]["template"]["spec"]["containers"]
    assert backend.stored("v1", "Secret", NAMESPACE, f"{APP}-secret")
    assert backend.stored("v1", "PersistentVolumeClaim", NAMESPACE, f"{APP}-filestore")
    assert operations.status(NAMESPACE, labels(APP)).state == "suspended"
    assert operations.suspend(NAMESPACE, labels(APP)) == []

    resumed = operations.resume(NAMESPACE, labels(APP))

    assert sorted(resumed) == sorted(suspended)
    for kind, name in (("Deployment", APP), ("StatefulSet", f"{APP}-db")):
        assert backend.stored("apps/v1", kind, NAMESPACE, name)["spec"]["replicas"] == 1
    assert operations.status(NAMESPACE, labels(APP)).state == "ready"
    assert operations.resume(NAMESPACE, labels(APP)) == []


def test_suspend_uses_its_own_field_manager(http_backend):
    operations = http_backend.operations()
    operations.apply(app_objects(APP))
    http_backend.kube.reset_requests()

    operations.suspend(NAMESPACE, labels(APP))

    patches = [r for r in http_backend.kube.requests() if r.method == "PATCH"]
    assert len(patches) == 2
    for request in patches:
        assert request.params["fieldManager"] == "odoo-kubernetes-scale"
        assert request.data["spec"] == {"replicas": 0}


# Delete ------------------------------------------------------------------------


def test_delete_leaves_other_apps_alone(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    operations.apply(app_objects(OTHER))
    for app in (APP, OTHER):
        # What the StatefulSet controller creates, without the app's labels.
        backend.put(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": f"data-{app}-db-0",
                    "namespace": NAMESPACE,
                },
                "spec": {"accessModes": ["ReadWriteOnce"]},
            }
        )

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert f"PersistentVolumeClaim/data-{APP}-db-0" in deleted
    assert f"Namespace/{NAMESPACE}" not in deleted
    for obj in app_objects(APP):
        if obj["kind"] != "Namespace":
            metadata = obj["metadata"]
            assert (
                backend.stored(
                    obj["apiVersion"], obj["kind"], NAMESPACE, metadata["name"]
                )
                is None
            ), cluster.object_ref(obj)
    for obj in app_objects(OTHER):
        metadata = obj["metadata"]
        assert backend.stored(
            obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"]
        ), cluster.object_ref(obj)
    assert backend.names("v1", "PersistentVolumeClaim", NAMESPACE) == [
        f"data-{OTHER}-db-0",
        f"{OTHER}-filestore",
    ]
    assert operations.status(NAMESPACE, labels(OTHER)).state == "ready"

    deleted = operations.delete(NAMESPACE, labels(OTHER))

    assert deleted[-1] == f"Namespace/{NAMESPACE}"
    assert backend.stored("v1", "Namespace", None, NAMESPACE) is None


def _extra_objects(name, namespace=NAMESPACE):
    """Objects of the other kinds the backends apply, for app ``name``."""
    metadata = {"name": name, "namespace": namespace, "labels": labels(name)}
    pod = {
        "metadata": {"labels": labels(name)},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "job", "image": "busybox"}],
        },
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata},
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata,
            "spec": {"podSelector": {"matchLabels": labels(name)}},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": metadata,
            "spec": {"template": pod},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata,
            "spec": {
                "schedule": "0 3 * * *",
                "jobTemplate": {"spec": {"template": pod}},
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": metadata,
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(name)}},
        },
    ]


def test_delete_removes_every_kind_the_backends_apply(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP) + _extra_objects(APP))
    operations.apply(app_objects(OTHER) + _extra_objects(OTHER))

    deleted = operations.delete(NAMESPACE, labels(APP))

    for obj in _extra_objects(APP):
        assert cluster.object_ref(obj) in deleted
        assert backend.names(obj["apiVersion"], obj["kind"], NAMESPACE) == [OTHER]
    # Traffic first, then workloads, then what they use.
    kinds = [ref.split("/")[0] for ref in deleted]
    assert kinds.index("Ingress") < kinds.index("Deployment")
    assert kinds.index("Service") < kinds.index("Job")
    assert kinds.index("StatefulSet") < kinds.index("Secret")
    assert kinds.index("CronJob") < kinds.index("ServiceAccount")
    assert f"Namespace/{NAMESPACE}" not in deleted


def _claim(name, **metadata):
    """A volume claim as the cluster keeps it, with its protection finalizer."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "finalizers": ["kubernetes.io/pvc-protection"],
            **metadata,
        },
        "spec": {"accessModes": ["ReadWriteOnce"]},
    }


def test_delete_removes_the_namespace_while_claims_wait_for_their_finalizer(
    backend,
):
    # A real cluster puts kubernetes.io/pvc-protection on every volume claim:
    # a deleted claim stays listed, with a deletionTimestamp, until no pod
    # uses it any more.
    objects = app_objects(APP)
    for obj in objects:
        if obj["kind"] == "PersistentVolumeClaim":
            obj["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    operations = backend.operations()
    operations.apply(objects)
    backend.put(_claim(f"data-{APP}-db-0"))

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert f"PersistentVolumeClaim/data-{APP}-db-0" in deleted
    assert deleted[-1] == f"Namespace/{NAMESPACE}"
    namespace = backend.stored("v1", "Namespace", None, NAMESPACE)
    assert namespace is None or namespace["metadata"].get("deletionTimestamp")


def test_delete_keeps_a_namespace_holding_objects_of_others(backend):
    # An operator named an existing namespace, with objects of their own;
    # the apply stamped the managed-by label on it all the same.
    operations = backend.operations()
    operations.apply(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "operator-notes", "namespace": NAMESPACE},
                "data": {"owner": "ops"},
            },
        ]
    )
    operations.apply(app_objects(APP))

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert f"Namespace/{NAMESPACE}" not in deleted
    assert backend.stored("v1", "ConfigMap", NAMESPACE, "operator-notes")
    assert backend.stored("v1", "Namespace", None, NAMESPACE)


def test_delete_ignores_what_kubernetes_puts_in_every_namespace(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    backend.put(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": NAMESPACE},
        }
    )
    backend.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-root-ca.crt", "namespace": NAMESPACE},
            "data": {"ca.crt": "..."},
        }
    )
    # A pod of the app, which its workload's deletion takes along later.
    backend.put(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{APP}-6d4b-x2",
                "namespace": NAMESPACE,
                "labels": labels(APP),
            },
        }
    )

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert deleted[-1] == f"Namespace/{NAMESPACE}"


def _tls_secret(name):
    """The certificate Secret cert-manager makes for an Ingress: no labels of
    the app, no owner."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "annotations": {"cert-manager.io/certificate-name": name},
        },
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "Y2VydA==", "tls.key": "a2V5"},
    }


def test_delete_removes_the_tls_secret_of_the_app_ingress(backend):
    operations = backend.operations()
    objects = app_objects(APP)
    (ingress,) = [obj for obj in objects if obj["kind"] == "Ingress"]
    assert ingress["spec"]["tls"][0]["secretName"] == f"{APP}-tls"
    operations.apply(objects)
    backend.put(_tls_secret(f"{APP}-tls"))

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert f"Secret/{APP}-tls" in deleted
    assert backend.stored("v1", "Secret", NAMESPACE, f"{APP}-tls") is None
    assert deleted[-1] == f"Namespace/{NAMESPACE}"


def test_delete_keeps_a_tls_secret_another_ingress_names(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    operations.apply(app_objects(OTHER))
    backend.put(_tls_secret(f"{APP}-tls"))
    backend.put(_tls_secret(f"{OTHER}-tls"))
    # An Ingress an operator added, for the same host, naming the same Secret.
    backend.put(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "operator-redirect", "namespace": NAMESPACE},
            "spec": {"tls": [{"hosts": ["x"], "secretName": f"{APP}-tls"}]},
        }
    )

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert not [ref for ref in deleted if ref.endswith("-tls")]
    assert backend.stored("v1", "Secret", NAMESPACE, f"{APP}-tls")
    assert backend.stored("v1", "Secret", NAMESPACE, f"{OTHER}-tls")

    deleted = operations.delete(NAMESPACE, labels(OTHER))

    assert f"Secret/{OTHER}-tls" in deleted
    assert f"Secret/{APP}-tls" not in deleted
    assert f"Namespace/{NAMESPACE}" not in deleted


def _token_secret(name, account):
    """A ServiceAccount token Secret, as clusters before 1.24 made them."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "annotations": {"kubernetes.io/service-account.name": account},
        },
        "type": "kubernetes.io/service-account-token",
    }


@pytest.mark.parametrize(
    "account, kept", [("default", False), ("deployer", True)], ids=["default", "other"]
)
def test_delete_ignores_the_token_secret_of_the_default_account(backend, account, kept):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    backend.put(_token_secret(f"{account}-token-x7k2p", account))

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert (f"Namespace/{NAMESPACE}" not in deleted) is kept


def test_delete_twice_is_harmless(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    operations.delete(NAMESPACE, labels(APP))

    assert operations.delete(NAMESPACE, labels(APP)) == [f"Namespace/{NAMESPACE}"]


# Connection --------------------------------------------------------------------


def test_test_connection_names_the_version(backend):
    message = backend.operations().test_connection()

    assert message.startswith("The cluster answered: Kubernetes v1.")


def test_only_the_company_token_is_sent(http_backend, tmp_path, monkeypatch):
    url = http_backend.kube.url
    poisoned = (
        "apiVersion: v1\nkind: Config\ncurrent-context: evil\n"
        f"clusters: [{{name: evil, cluster: {{server: '{url}'}}}}]\n"
        "users: [{name: evil, user: {token: from-the-environment}}]\n"
        "contexts: [{name: evil, context: {cluster: evil, user: evil}}]\n"
    )
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text(poisoned)
    (tmp_path / "kubeconfig").write_text(poisoned)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
    default_host = kubernetes_client.Configuration.get_default_copy().host

    operations = http_backend.operations()
    operations.test_connection()
    operations.apply(app_objects(APP))
    operations.status(NAMESPACE, labels(APP))

    requests = http_backend.kube.requests()
    assert requests
    assert {r.headers.get("Authorization") for r in requests} == {f"Bearer {TOKEN}"}
    # Nothing process-wide was configured on the way.
    assert kubernetes_client.Configuration.get_default_copy().host == default_host


def test_no_token_sends_no_authorization(http_backend):
    http_backend.operations(token="").test_connection()

    assert all("Authorization" not in r.headers for r in http_backend.kube.requests())


@pytest.mark.parametrize(
    "token", [f"{TOKEN}\n", f"  {TOKEN} ", f"\t{TOKEN}\r\n"], ids=repr
)
def test_whitespace_around_the_token_is_dropped(http_backend, token):
    http_backend.operations(token=token).test_connection()

    headers = {r.headers.get("Authorization") for r in http_backend.kube.requests()}
    assert headers == {f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    "token", ["two words", "line\nbreak", "tab\there", "nul\x00", "tökén"], ids=repr
)
def test_a_token_no_header_can_carry_is_a_configuration_error(transport_class, token):
    with pytest.raises(ConfigurationError, match="API key"):
        transport_class(settings("http://127.0.0.1:1", token=token))


def _dead_port_url():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{closed.getsockname()[1]}"


@pytest.fixture
def no_proxy_variables(monkeypatch):
    """An environment without proxy variables, whatever the machine sets."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


# The proxy rule is kubectl's, decided by cluster.proxy_for for every backend.
# The mock stands in for the proxy: it answers absolute-form requests as a
# forward proxy passes them on. The cluster's name does not resolve, so only
# a proxy reaches it.
CLUSTER_BEHIND_PROXY = "http://cluster.invalid:6443"


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_the_environment_proxy_is_used(http_backend, no_proxy_variables, variable):
    no_proxy_variables.setenv(variable, http_backend.kube.url)
    no_proxy_variables.setenv("NO_PROXY", "luster.invalid,.cluster.invalid")
    transport = http_backend.transport(url=CLUSTER_BEHIND_PROXY)

    message = cluster.AppOperations(transport).test_connection()

    assert message.startswith("The cluster answered: Kubernetes v1.")
    assert [r.path for r in http_backend.kube.requests()] == ["/version/"]


@pytest.mark.parametrize("variable", ["ALL_PROXY", "HTTPS_PROXY"])
def test_other_proxy_variables_are_not_used_for_http(
    http_backend, no_proxy_variables, variable
):
    no_proxy_variables.setenv(variable, http_backend.kube.url)
    transport = http_backend.transport(url=CLUSTER_BEHIND_PROXY)

    with pytest.raises(ClusterUnavailableError, match="did not answer"):
        cluster.AppOperations(transport).test_connection()

    assert http_backend.kube.requests() == []


@pytest.mark.parametrize("no_proxy", ["cluster.invalid", "*", "invalid:6443"])
def test_no_proxy_hosts_go_direct(http_backend, no_proxy_variables, no_proxy):
    no_proxy_variables.setenv("HTTP_PROXY", http_backend.kube.url)
    no_proxy_variables.setenv("NO_PROXY", no_proxy)
    transport = http_backend.transport(url=CLUSTER_BEHIND_PROXY)

    with pytest.raises(ClusterUnavailableError, match="did not answer"):
        cluster.AppOperations(transport).test_connection()

    assert http_backend.kube.requests() == []


def test_loopback_goes_direct_despite_a_proxy(http_backend, no_proxy_variables):
    no_proxy_variables.setenv("HTTP_PROXY", _dead_port_url())

    assert http_backend.operations().test_connection()


@pytest.mark.parametrize(
    "pem",
    [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
        "-----END CERTIFICATE-----\n",
    ],
    ids=["text", "bad-body"],
)
def test_a_malformed_ca_is_a_configuration_error(transport_class, httpserver, pem):
    httpserver.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    url = httpserver.url_for("/").replace("http://", "https://")

    with pytest.raises(ConfigurationError, match="not a valid PEM certificate"):
        transport = transport_class(settings(url, ca_cert=pem))
        try:
            cluster.AppOperations(transport).test_connection()
        finally:
            transport.close()

    assert httpserver.log == []


def test_kr8s_maps_a_ca_file_it_cannot_load(httpserver, tmp_path, monkeypatch):
    # kr8s loads the CA file itself when it opens its session.
    ca_pem, _cert, _key = make_certificates(tmp_path)
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    url = httpserver.url_for("/").replace("http://", "https://")
    transport = TRANSPORTS["kr8s"](settings(url, ca_cert=ca_pem))
    monkeypatch.setattr(transport, "_write_ca", lambda pem: str(broken))

    try:
        with pytest.raises(ConfigurationError, match="CA certificate"):
            transport.version()
    finally:
        transport.close()


def test_ca_file_is_removed_on_close(transport_class, tmp_path):
    ca_pem, _cert, _key = make_certificates(tmp_path)
    transport = transport_class(settings("https://127.0.0.1:1", ca_cert=ca_pem))
    if hasattr(transport, "kubeconfig"):
        transport.kubeconfig()
    ca_file = transport._ca_file
    assert ca_file
    with open(ca_file) as written:
        assert written.read() == ca_pem
    assert os.stat(ca_file).st_mode & 0o077 == 0

    transport.close()

    assert not os.path.exists(ca_file)


# TLS ---------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server answering /version with a certificate of a test CA."""
    ca_pem, cert_path, key_path = make_certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    server.start()
    yield server, ca_pem
    server.clear()
    server.stop()


def test_tls_with_the_company_ca(transport_class, tls_server):
    server, ca_pem = tls_server
    url = f"https://127.0.0.1:{server.port}"

    transport = transport_class(settings(url, ca_cert=ca_pem))
    try:
        assert transport.version()["gitVersion"] == "v1.33.2"
    finally:
        transport.close()


def test_tls_without_the_ca_is_refused(transport_class, tls_server):
    server, _ca_pem = tls_server
    transport = transport_class(settings(f"https://127.0.0.1:{server.port}"))
    try:
        with pytest.raises(ConfigurationError, match="TLS certificate"):
            transport.version()
    finally:
        transport.close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_can_be_skipped_explicitly(transport_class, tls_server):
    server, _ca_pem = tls_server
    url = f"https://127.0.0.1:{server.port}"

    transport = transport_class(settings(url, verify_tls=False))
    try:
        assert transport.version()["gitVersion"] == "v1.33.2"
    finally:
        transport.close()


# Faults ------------------------------------------------------------------------


def _status_body(code, message):
    return {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "message": message,
        "reason": "Test",
        "code": code,
    }


def _patched_paths(server):
    return [
        request.path for request, _response in server.log if request.method == "PATCH"
    ]


def _answer_everything(server, status, message):
    body = _status_body(status, message)
    server.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    server.expect_request(re.compile(r".*")).respond_with_json(body, status=status)


def _answer_everything_but_version(server, status, message):
    server.expect_request(re.compile(r".*")).respond_with_json(
        _status_body(status, message), status=status
    )


FAULTS = [
    (401, CredentialsError, "The cluster refused the credentials"),
    (403, CredentialsError, "The cluster refused the permission"),
    (404, NotFoundError, "does not know"),
    (409, ConflictError, "conflict"),
    (422, InvalidObjectError, "rejected ConfigMap/r4ts-config as invalid"),
    (500, ClusterUnavailableError, "could not handle"),
    (503, ClusterUnavailableError, "could not handle"),
]


@pytest.mark.parametrize(("status", "error", "words"), FAULTS)
def test_fault_is_mapped_and_nothing_is_applied_twice(
    transport_class, httpserver, status, error, words
):
    message = f"the API server says {status}"
    _answer_everything(httpserver, status, message)
    objects = [obj for obj in app_objects(APP) if obj["kind"] == "ConfigMap"]
    transport = transport_class(settings(httpserver.url_for("/")))
    operations = cluster.AppOperations(transport)

    try:
        with pytest.raises(error) as raised:
            operations.apply(objects)
        # The ConfigMap alone, so that the message names it.
        with pytest.raises(error) as raised:
            transport.apply(objects[0])
    finally:
        transport.close()

    assert words in str(raised.value)
    assert f"(HTTP {status})" in str(raised.value)
    assert message in str(raised.value)
    assert raised.value.status == status
    assert raised.value.retryable is (status >= 500)
    patched = _patched_paths(httpserver)
    assert len(patched) == 2
    assert len(set(patched)) == 2


def _terminating_body(namespace=NAMESPACE):
    """What the API server answers for a write into a namespace being deleted."""
    return {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "message": f'configmaps "r4ts-config" is forbidden: unable to create new '
        f"content in namespace {namespace} because it is being terminated",
        "reason": "Forbidden",
        "details": {
            "name": "r4ts-config",
            "kind": "configmaps",
            "causes": [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
        "code": 403,
    }


def test_a_namespace_being_deleted_is_retryable(transport_class, httpserver):
    httpserver.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    httpserver.expect_request(re.compile(r".*")).respond_with_json(
        _terminating_body(), status=403
    )
    config = next(obj for obj in app_objects(APP) if obj["kind"] == "ConfigMap")
    transport = transport_class(settings(httpserver.url_for("/")))

    try:
        with pytest.raises(NamespaceTerminatingError) as raised:
            transport.apply(config)
    finally:
        transport.close()

    assert raised.value.retryable
    assert raised.value.status == 403
    assert "still being deleted" in str(raised.value)
    assert "refused" not in str(raised.value)
    assert len(_patched_paths(httpserver)) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_connection_test_is_one_request(transport_class, httpserver, status):
    _answer_everything_but_version(httpserver, status, "Unauthorized")
    transport = transport_class(settings(httpserver.url_for("/")))

    try:
        with pytest.raises(CredentialsError, match=f"HTTP {status}"):
            cluster.AppOperations(transport).test_connection()
    finally:
        transport.close()

    assert len(httpserver.log) == 1


def test_an_operation_sends_only_its_own_requests(http_backend):
    objects = app_objects(APP)

    http_backend.operations().apply(objects)

    requests = http_backend.kube.requests()
    # One apply per object and one read per workload; no version request.
    assert [r.method for r in requests].count("PATCH") == len(objects)
    assert len(requests) == len(objects) + 2
    assert not [r for r in requests if r.path.startswith("/version")]


def test_fault_on_reads_is_mapped(transport_class, httpserver):
    _answer_everything(httpserver, 403, "forbidden here")
    transport = transport_class(settings(httpserver.url_for("/")))
    try:
        with pytest.raises(CredentialsError, match="forbidden here"):
            cluster.AppOperations(transport).status(NAMESPACE, labels(APP))
    finally:
        transport.close()


def test_missing_object_reads_as_none_and_deletes_quietly(transport_class, httpserver):
    _answer_everything(httpserver, 404, "not found")
    transport = transport_class(settings(httpserver.url_for("/")))
    try:
        assert transport.get("v1", "ConfigMap", NAMESPACE, "gone") is None
        transport.delete("v1", "ConfigMap", NAMESPACE, "gone")
    finally:
        transport.close()


def test_response_slower_than_the_timeout_is_retryable(transport_class, httpserver):
    def slow(request):
        time.sleep(1.5)
        return werkzeug.Response(json.dumps({}), content_type="application/json")

    httpserver.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    httpserver.expect_request(re.compile(r".*"), method="PATCH").respond_with_handler(
        slow
    )
    transport = transport_class(settings(httpserver.url_for("/"), timeout=0.5))
    config = next(obj for obj in app_objects(APP) if obj["kind"] == "ConfigMap")

    started = time.monotonic()
    try:
        with pytest.raises(ClusterUnavailableError) as raised:
            transport.apply(config)
    finally:
        transport.close()

    assert time.monotonic() - started < 1.4
    assert raised.value.retryable
    time.sleep(1.2)  # let the slow answer finish before counting
    assert len(_patched_paths(httpserver)) == 1


@pytest.mark.parametrize("length", [False, True], ids=["chunked", "with-length"])
def test_a_trickling_answer_is_cut_at_the_timeout(transport_class, httpserver, length):
    def trickle(request):
        def body():
            yield b'{"kind": "ConfigMap", '
            for _index in range(20):
                time.sleep(0.2)
                yield b" "
            yield b"}"

        headers = {"Content-Length": str(22 + 20 + 1)} if length else {}
        return werkzeug.Response(
            body(), content_type="application/json", headers=headers
        )

    httpserver.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    httpserver.expect_request(re.compile(r".*"), method="GET").respond_with_handler(
        trickle
    )
    transport = transport_class(settings(httpserver.url_for("/"), timeout=0.8))

    started = time.monotonic()
    try:
        with pytest.raises(
            ClusterUnavailableError, match="no complete answer"
        ) as raised:
            transport.get("v1", "ConfigMap", NAMESPACE, "c")
        # Four seconds of trickle, each piece well within the timeout.
        assert time.monotonic() - started < 1.5
        assert raised.value.retryable

        # The cut connection is not reused: the next call gets its answer.
        assert transport.version()["gitVersion"] == "v1.33.2"
    finally:
        transport.close()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>Welcome to nginx!</body></html>", "text/html"),
        ('["not", "an", "object"]', "application/json"),
    ],
    ids=["html", "json-list"],
)
def test_an_answer_that_is_not_kubernetes_is_permanent(
    transport_class, httpserver, body, content_type
):
    httpserver.expect_request(re.compile(r".*")).respond_with_data(
        body, content_type=content_type
    )
    transport = transport_class(settings(httpserver.url_for("/")))

    try:
        with pytest.raises(ConfigurationError) as raised:
            cluster.AppOperations(transport).test_connection()
        with pytest.raises(ConfigurationError):
            transport.list("v1", "ConfigMap", NAMESPACE, labels(APP))
    finally:
        transport.close()

    assert not raised.value.retryable
    assert "did not answer the version request as a Kubernetes API" in str(raised.value)
    assert "check the Kubernetes API URL" in str(raised.value)


def test_refused_connection_is_retryable(transport_class):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    transport = transport_class(settings(url))
    try:
        with pytest.raises(ClusterUnavailableError, match="did not answer") as raised:
            cluster.AppOperations(transport).test_connection()
    finally:
        transport.close()

    assert raised.value.retryable


def test_lists_are_filtered_on_the_client_too(transport_class, httpserver):
    mine = {"metadata": {"name": "mine", "labels": labels(APP)}}
    theirs = {"metadata": {"name": "theirs", "labels": labels(OTHER)}}
    httpserver.expect_request(re.compile(r"/version/?")).respond_with_json(
        {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
    )
    httpserver.expect_request(re.compile(r".*/configmaps")).respond_with_json(
        {"kind": "ConfigMapList", "items": [mine, theirs]}
    )
    transport = transport_class(settings(httpserver.url_for("/")))
    try:
        items = transport.list("v1", "ConfigMap", NAMESPACE, labels(APP))
    finally:
        transport.close()

    assert [item["metadata"]["name"] for item in items] == ["mine"]
    assert items[0]["kind"] == "ConfigMap"
    assert items[0]["apiVersion"] == "v1"


# Threads and forks -------------------------------------------------------------


def test_threads_each_with_their_own_transport(http_backend):
    errors = []

    def deploy(name):
        try:
            operations = cluster.AppOperations(http_backend.transport())
            operations.apply(app_objects(name))
            assert operations.status(NAMESPACE, labels(name)).state == "ready"
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [
        threading.Thread(target=deploy, args=(f"app{index}",)) for index in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(http_backend.names("apps/v1", "Deployment", NAMESPACE)) == 6


def test_one_transport_shared_by_threads(http_backend):
    transport = http_backend.transport()
    cluster.AppOperations(transport).apply(app_objects(APP))
    errors = []

    def read():
        try:
            for _ in range(5):
                assert transport.get("apps/v1", "Deployment", NAMESPACE, APP)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []


def _in_child(function):
    """Run ``function`` in a forked child; return its exit code (124 when it
    hangs)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            code = function()
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return 124


def test_after_fork_old_transports_refuse_and_new_ones_work(http_backend):
    used = http_backend.transport()
    assert cluster.AppOperations(used).test_connection()

    def child():
        try:
            used.version()
        except RuntimeError:
            pass
        else:
            return 2
        fresh = http_backend.transport()
        fresh.version()
        fresh.close()
        return 0

    assert _in_child(child) == 0
