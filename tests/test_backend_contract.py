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
    app_objects,
    labels,
    make_certificates,
    settings,
)
from kubernetes import client as kubernetes_client
from pytest_httpserver import HTTPServer

from odoo.addons.kubernetes_base.lib import cluster, render
from odoo.addons.kubernetes_base.lib.exceptions import (
    ClusterUnavailableError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    InvalidObjectError,
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


def test_apply_keeps_a_suspended_app_suspended(backend):
    operations = backend.operations()
    operations.apply(app_objects(APP))
    operations.suspend(NAMESPACE, labels(APP))

    operations.apply(app_objects(APP))

    assert (
        backend.stored("apps/v1", "Deployment", NAMESPACE, APP)["spec"]["replicas"] == 0
    )
    assert operations.status(NAMESPACE, labels(APP)).state == "suspended"


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


def test_environment_proxy_is_bypassed_for_no_proxy_hosts(http_backend, monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("HTTPS_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    assert http_backend.operations().test_connection()


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
