"""App operations on the in-memory cluster, and the rules they follow.

The rollout rules are those of ``kubectl rollout status``; the HTTP backends
share them, so they are checked here once on plain objects.
"""

import base64
import copy
import gc
import os
import threading

import pytest
from kube_backends import NAMESPACE, app_objects, labels, make_certificates

from odoo.addons.kubernetes_base.lib import cluster, render
from odoo.addons.kubernetes_base.lib.exceptions import (
    ClusterUnavailableError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    InvalidObjectError,
    NamespaceTerminatingError,
    NotFoundError,
    PermanentError,
)

APP = "shop"


@pytest.fixture
def memory():
    """A fresh in-memory cluster scope."""
    scope = "test-cluster"
    cluster.MemoryTransport.reset(scope)
    yield cluster.MemoryTransport(scope)
    cluster.MemoryTransport.reset(scope)


@pytest.fixture
def operations(memory):
    return cluster.AppOperations(memory)


def _deployment(generation=2, spec_replicas=2, **status):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": generation},
        "spec": {"replicas": spec_replicas},
        "status": status,
    }


def _statefulset(generation=1, replicas=1, strategy=None, **status):
    spec = {"replicas": replicas}
    if strategy is not None:
        spec["updateStrategy"] = strategy
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": generation},
        "spec": spec,
        "status": status,
    }


# Rollout rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state", "words"),
    [
        ({"observedGeneration": 1}, "progressing", "update to be observed"),
        ({}, "progressing", "update to be observed"),
        (
            {"observedGeneration": 2, "updatedReplicas": 1, "replicas": 2},
            "progressing",
            "1 of 2 new replicas updated",
        ),
        (
            {"observedGeneration": 2, "updatedReplicas": 2, "replicas": 3},
            "progressing",
            "1 old replicas pending termination",
        ),
        (
            {
                "observedGeneration": 2,
                "updatedReplicas": 2,
                "replicas": 2,
                "availableReplicas": 1,
            },
            "progressing",
            "1 of 2 updated replicas available",
        ),
        (
            {
                "observedGeneration": 2,
                "updatedReplicas": 2,
                "replicas": 2,
                "availableReplicas": 2,
            },
            "ready",
            "rolled out",
        ),
        (
            {
                "observedGeneration": 2,
                "conditions": [
                    {"type": "Progressing", "reason": "ProgressDeadlineExceeded"}
                ],
            },
            "failed",
            "progress deadline",
        ),
    ],
)
def test_deployment_rollout_follows_kubectl(status, state, words):
    result = cluster.rollout_status(_deployment(**status))

    assert result[0] == state
    assert words in result[1]


@pytest.mark.parametrize(
    ("workload", "state", "words"),
    [
        (_statefulset(observedGeneration=0), "progressing", "observed"),
        (_statefulset(generation=2, observedGeneration=1), "progressing", "observed"),
        (
            _statefulset(replicas=2, observedGeneration=1, readyReplicas=1),
            "progressing",
            "waiting for 1 pods",
        ),
        (
            _statefulset(
                observedGeneration=1,
                readyReplicas=1,
                currentRevision="db-1",
                updateRevision="db-2",
            ),
            "progressing",
            "revision db-2",
        ),
        (
            _statefulset(
                observedGeneration=1,
                readyReplicas=1,
                currentRevision="db-2",
                updateRevision="db-2",
            ),
            "ready",
            "rolled out",
        ),
        (
            _statefulset(
                replicas=3,
                strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
                observedGeneration=1,
                readyReplicas=3,
                updatedReplicas=1,
            ),
            "progressing",
            "1 of 2 new pods updated",
        ),
        (
            _statefulset(
                replicas=3,
                strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
                observedGeneration=1,
                readyReplicas=3,
                updatedReplicas=2,
            ),
            "ready",
            "rolled out",
        ),
        (
            # kubectl gates the partition check on a partition being set, and
            # calls a rollout with rollingUpdate but no partition complete, its
            # revisions unchecked; API servers default the partition to 0.
            _statefulset(
                strategy={"type": "RollingUpdate", "rollingUpdate": {}},
                observedGeneration=1,
                readyReplicas=1,
                currentRevision="db-1",
                updateRevision="db-2",
            ),
            "ready",
            "rolled out",
        ),
        (
            _statefulset(
                replicas=2,
                strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                observedGeneration=1,
                readyReplicas=2,
                updatedReplicas=1,
            ),
            "progressing",
            "1 of 2 new pods updated",
        ),
        (
            _statefulset(strategy={"type": "OnDelete"}, observedGeneration=1),
            "failed",
            "RollingUpdate",
        ),
    ],
)
def test_statefulset_rollout_follows_kubectl(workload, state, words):
    result = cluster.rollout_status(workload)

    assert result[0] == state
    assert words in result[1]


def test_a_suspended_workload_reads_as_suspended():
    workload = _deployment(spec_replicas=0)
    workload["metadata"]["annotations"] = {cluster.ANNOTATION_REPLICAS: "2"}

    assert cluster.rollout_status(workload)[0] == "suspended"
    # Zero replicas alone is a choice of the manifest, not a suspension.
    assert not cluster.is_suspended(_deployment(spec_replicas=0))


@pytest.mark.parametrize(
    ("pod_status", "reason"),
    [
        (
            {
                "containerStatuses": [
                    {"state": {"waiting": {"reason": "ImagePullBackOff"}}}
                ]
            },
            "ImagePullBackOff",
        ),
        (
            {
                "initContainerStatuses": [
                    {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                ],
                "containerStatuses": [
                    {"state": {"waiting": {"reason": "PodInitializing"}}}
                ],
            },
            "CrashLoopBackOff",
        ),
        (
            {
                "containerStatuses": [
                    {"state": {"waiting": {"reason": "ContainerCreating"}}}
                ]
            },
            "",
        ),
        (
            {
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/3 nodes are available",
                    }
                ]
            },
            "Unschedulable",
        ),
        ({"containerStatuses": [{"state": {"running": {}}}]}, ""),
    ],
)
def test_pod_waiting_reason(pod_status, reason):
    assert cluster.pod_waiting_reason({"status": pod_status})[0] == reason


@pytest.mark.parametrize(
    ("ingress", "address"),
    [
        ({"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}}, "192.0.2.1"),
        (
            {"status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}},
            "lb.example.com",
        ),
        ({"spec": {"rules": [{"host": "shop.example.com"}]}}, "shop.example.com"),
        ({"spec": {}}, ""),
    ],
)
def test_ingress_address(ingress, address):
    assert cluster.ingress_address(ingress) == address


# Errors and paths --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (401, CredentialsError, False),
        (403, CredentialsError, False),
        (404, NotFoundError, False),
        (409, ConflictError, False),
        (422, InvalidObjectError, False),
        (429, ClusterUnavailableError, True),
        (500, ClusterUnavailableError, True),
        (503, ClusterUnavailableError, True),
        (400, PermanentError, False),
    ],
)
def test_error_for_status(status, error, retryable):
    err = cluster.error_for_status(status, b'{"message": "said the server"}', "Pod/x")

    assert type(err) is error
    assert err.retryable is retryable
    assert err.status == status
    assert str(err).endswith(f"(HTTP {status}): said the server")
    assert "Pod/x" in str(err)


@pytest.mark.parametrize(
    "body",
    [
        {
            "message": "forbidden",
            "details": {"causes": [{"reason": "NamespaceTerminating"}]},
        },
        b'{"message": "unable to create new content in namespace acme because '
        b'it is being terminated"}',
        "unable to create new content in namespace acme because it is being terminated",
    ],
    ids=["cause", "message", "text"],
)
def test_a_namespace_being_deleted_is_not_a_credentials_error(body):
    err = cluster.error_for_status(403, body, "ConfigMap/c")

    assert type(err) is NamespaceTerminatingError
    assert err.retryable
    assert str(err).startswith(
        "The namespace is still being deleted, so ConfigMap/c cannot be written yet"
    )


def test_other_403_answers_stay_credentials_errors():
    err = cluster.error_for_status(
        403,
        {"message": "forbidden", "details": {"causes": [{"reason": "Other"}]}},
        "ConfigMap/c",
    )

    assert type(err) is CredentialsError


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"kind": "Status"}', {"kind": "Status"}),
        (b"", {}),
        ("{}", {}),
    ],
)
def test_json_answer(content, expected):
    assert cluster.json_answer(content, "x") == expected


@pytest.mark.parametrize("content", [b"<html>hello</html>", b"[1, 2]", b'"text"'])
def test_an_answer_that_is_not_a_json_object_is_permanent(content):
    with pytest.raises(ConfigurationError, match="as a Kubernetes API does") as raised:
        cluster.json_answer(content, "the version request", 200)

    assert not raised.value.retryable
    assert "(HTTP 200" in str(raised.value)


def test_error_message_in_plain_words():
    err = cluster.error_for_status(401, {"message": "Unauthorized"}, "the list of pods")

    assert str(err) == (
        "The cluster refused the credentials for the list of pods (HTTP 401): "
        "Unauthorized"
    )
    assert "no details given" in str(cluster.error_for_status(500, b"", "x"))
    assert "plain text" in str(cluster.error_for_status(502, "plain  text", "x"))


def test_resource_paths():
    assert cluster.resource_path("v1", "Namespace", None, "acme") == (
        "/api/v1/namespaces/acme"
    )
    assert cluster.resource_path("v1", "ConfigMap", "acme", "c") == (
        "/api/v1/namespaces/acme/configmaps/c"
    )
    assert cluster.resource_path("networking.k8s.io/v1", "Ingress", "acme") == (
        "/apis/networking.k8s.io/v1/namespaces/acme/ingresses"
    )
    with pytest.raises(InvalidObjectError, match="needs a namespace"):
        cluster.resource_path("v1", "Secret", None, "s")
    with pytest.raises(InvalidObjectError, match="not supported"):
        cluster.resource_info("v1", "Node")


def test_app_kinds_are_every_namespaced_kind_but_pods():
    namespaced = {key for key, (_plural, scoped) in cluster.RESOURCES.items() if scoped}

    assert set(cluster.APP_KINDS) == namespaced - {("v1", "Pod")}
    assert len(cluster.APP_KINDS) == len(set(cluster.APP_KINDS))
    order = [kind for _version, kind in cluster.APP_KINDS]
    traffic = max(order.index(kind) for kind in ("Ingress", "Service"))
    workloads = [order.index(kind) for kind in ("Deployment", "StatefulSet", "Job")]
    rest = min(order.index(kind) for kind in ("ConfigMap", "Secret"))
    assert traffic < min(workloads) and max(workloads) < rest
    assert order[-1] == "PersistentVolumeClaim"


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", False),
        ("eyJhbGciOi.abc-DEF_123", False),
        (" padded\n", False),
        ("two words", True),
        ("line\nbreak", True),
        ("nul\x00", True),
        ("tökén", True),
    ],
)
def test_token_problem(token, problem):
    assert cluster.token_problem(token) is problem


def test_settings_strip_the_token_and_refuse_what_no_header_carries():
    assert cluster.ClusterSettings(" https://k8s:6443 ", token="tok\n").token == "tok"
    assert cluster.ClusterSettings(" https://k8s:6443 ").url == "https://k8s:6443"
    with pytest.raises(ConfigurationError, match="API key"):
        cluster.ClusterSettings("https://k8s:6443", token="to k")


def test_ca_certificate_problem(tmp_path):
    ca_pem, _cert, _key = make_certificates(tmp_path)

    assert cluster.ca_certificate_problem(ca_pem) == ""
    assert cluster.ca_certificate_problem("") == ""
    assert "no start line" in cluster.ca_certificate_problem("garbage")
    assert cluster.ca_certificate_problem("é" + ca_pem)
    with pytest.raises(ConfigurationError, match="not a valid PEM certificate"):
        cluster.write_ca_file(object, "garbage")


def test_a_forked_child_leaves_the_parents_ca_file_alone(tmp_path):
    ca_pem, _cert, _key = make_certificates(tmp_path)

    class Owner:
        pass

    owner = Owner()
    path, cleanup = cluster.write_ca_file(owner, ca_pem)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        # The child's copy of the transport is collected, or closed.
        cleanup()
        os._exit(0)
    os.waitpid(pid, 0)

    assert os.path.exists(path)
    del owner
    gc.collect()
    assert not os.path.exists(path)


@pytest.mark.parametrize(
    ("url", "no_proxy", "proxied"),
    [
        ("https://k8s.example.com", "", True),
        ("https://k8s.example.com", "example.com", False),
        ("https://example.com", "example.com", False),
        ("https://badexample.com", "example.com", True),
        ("https://k8s.example.com", ".example.com", False),
        ("https://example.com", ".example.com", True),
        ("https://example.com", "*.example.com", True),
        ("https://k8s.example.com", "*.example.com", False),
        ("https://k8s.example.com:6443", "k8s.example.com:6443", False),
        ("https://k8s.example.com:6443", "k8s.example.com:443", True),
        ("https://k8s.example.com", "k8s.example.com:443", False),
        ("https://10.1.2.3:6443", "10.0.0.0/8", False),
        ("https://10.1.2.3:6443", "10.1.2.3", False),
        ("https://10.1.2.4:6443", "10.1.2.3, 192.168.0.0/16", True),
        ("https://[fd00::1]:6443", "fd00::/8", False),
        ("https://k8s.example.com", "other.org,*", False),
        ("https://localhost:6443", "", False),
        ("https://127.0.0.2:6443", "", False),
        ("https://[::1]:6443", "", False),
    ],
)
def test_proxy_for_follows_kubectl(monkeypatch, url, no_proxy, proxied):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)

    expected = "http://proxy.example:3128" if proxied else None
    assert cluster.proxy_for(url) == expected


def test_proxy_for_takes_the_variable_of_the_scheme(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://plain.example:3128")
    monkeypatch.setenv("ALL_PROXY", "http://all.example:3128")

    assert cluster.proxy_for("http://k8s.example.com") == "http://plain.example:3128"
    assert cluster.proxy_for("https://k8s.example.com") is None


def test_labels_match_the_renderer():
    assert cluster.LABEL_INSTANCE == render.LABEL_INSTANCE
    assert cluster.LABEL_MANAGED_BY == render.LABEL_MANAGED_BY
    assert cluster.MANAGED_BY == render.MANAGED_BY
    assert cluster.label_selector(labels(APP)) == (
        "app.kubernetes.io/instance=shop,app.kubernetes.io/managed-by=odoo-kubernetes"
    )


# App operations on the dry-run cluster -----------------------------------------


def test_apply_orders_the_namespace_first(operations):
    objects = app_objects(APP)
    reordered = objects[1:] + objects[:1]

    applied = operations.apply(reordered)

    assert applied[0] == f"Namespace/{NAMESPACE}"
    assert len(applied) == len(objects)


def test_apply_refuses_an_object_without_a_name(operations, memory):
    broken = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}

    with pytest.raises(InvalidObjectError, match="metadata.name"):
        operations.apply([broken])

    assert memory.list("v1", "Namespace", None, {}) == []


def test_apply_refuses_a_namespaced_object_without_namespace(operations):
    orphan = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}

    with pytest.raises(InvalidObjectError, match="no metadata.namespace"):
        operations.apply([orphan])


def test_apply_does_not_change_the_objects_given(operations):
    objects = [obj for obj in app_objects(APP) if obj["kind"] != "Namespace"]
    before = copy.deepcopy(objects)

    operations.apply(objects)

    assert objects == before


def test_apply_into_a_missing_namespace_is_refused(memory):
    config = next(obj for obj in app_objects(APP) if obj["kind"] == "ConfigMap")

    with pytest.raises(NotFoundError, match="not found"):
        memory.apply(config)


def test_memory_keeps_versions_and_generations(memory):
    objects = app_objects(APP)
    for obj in objects:
        memory.apply(obj)
    deployment = memory.get("apps/v1", "Deployment", NAMESPACE, APP)
    version = deployment["metadata"]["resourceVersion"]

    memory.apply(next(obj for obj in objects if obj["kind"] == "Deployment"))
    same = memory.get("apps/v1", "Deployment", NAMESPACE, APP)
    assert same["metadata"]["resourceVersion"] == version
    assert same["metadata"]["generation"] == 1

    changed = next(obj for obj in app_objects(APP) if obj["kind"] == "Deployment")
    changed["spec"]["replicas"] = 3
    memory.apply(changed)
    after = memory.get("apps/v1", "Deployment", NAMESPACE, APP)
    assert after["metadata"]["resourceVersion"] != version
    assert after["metadata"]["generation"] == 2
    assert after["status"]["observedGeneration"] == 2
    assert after["status"]["availableReplicas"] == 3


def test_memory_scopes_are_apart():
    cluster.MemoryTransport.reset()
    first, second = cluster.MemoryTransport("one"), cluster.MemoryTransport("two")
    cluster.AppOperations(first).apply(app_objects(APP))

    assert second.list("apps/v1", "Deployment", NAMESPACE, {}) == []
    assert first.list("apps/v1", "Deployment", NAMESPACE, {})

    cluster.MemoryTransport.reset("one")
    assert first.list("apps/v1", "Deployment", NAMESPACE, {}) == []


def test_memory_is_safe_across_threads(memory):
    cluster.AppOperations(memory).apply(app_objects(APP)[:1])
    errors = []

    def write(index):
        try:
            for step in range(20):
                memory.apply(
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {
                            "name": f"c{index}",
                            "namespace": NAMESPACE,
                        },
                        "data": {"step": str(step)},
                    }
                )
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(memory.list("v1", "ConfigMap", NAMESPACE, {})) == 8


def test_deleting_a_namespace_removes_its_objects(memory):
    cluster.AppOperations(memory).apply(app_objects(APP))

    memory.delete("v1", "Namespace", None, NAMESPACE)

    assert memory.list("apps/v1", "Deployment", NAMESPACE, {}) == []


def test_read_secret_decodes_data_and_string_data(operations, memory):
    operations.apply(app_objects(APP)[:1])
    memory.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": NAMESPACE},
            "data": {"A": base64.b64encode(b"from data").decode()},
            "stringData": {"B": "from stringData"},
        }
    )

    assert operations.read_secret(NAMESPACE, "s") == {
        "A": "from data",
        "B": "from stringData",
    }


def test_resume_restores_the_remembered_replicas(operations, memory):
    objects = app_objects(APP)
    next(obj for obj in objects if obj["kind"] == "Deployment")["spec"]["replicas"] = 3
    operations.apply(objects)

    operations.suspend(NAMESPACE, labels(APP))
    suspended = memory.get("apps/v1", "Deployment", NAMESPACE, APP)
    assert suspended["metadata"]["annotations"][cluster.ANNOTATION_REPLICAS] == "3"

    operations.resume(NAMESPACE, labels(APP))
    resumed = memory.get("apps/v1", "Deployment", NAMESPACE, APP)
    assert resumed["spec"]["replicas"] == 3
    assert cluster.ANNOTATION_REPLICAS not in resumed["metadata"].get("annotations", {})


def test_status_names_every_state(operations):
    assert operations.status(NAMESPACE, labels(APP)).state == "missing"

    operations.apply(app_objects(APP))
    status = operations.status(NAMESPACE, labels(APP))
    assert status == cluster.AppStatus(
        "ready", "Every workload is rolled out (2).", f"{APP}.example.com"
    )

    operations.suspend(NAMESPACE, labels(APP))
    assert operations.status(NAMESPACE, labels(APP)).state == "suspended"


def test_delete_refuses_an_empty_selection(operations):
    with pytest.raises(InvalidObjectError, match="without labels"):
        operations.delete(NAMESPACE, {})


def test_delete_spares_the_volume_claims_of_other_apps(operations, memory):
    operations.apply(app_objects(APP))
    operations.apply(app_objects("other"))
    # Same name pattern as the app's StatefulSet claims, but another app's.
    memory.apply(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": f"data-{APP}-db-7",
                "namespace": NAMESPACE,
                "labels": {cluster.LABEL_INSTANCE: "other"},
            },
        }
    )

    deleted = operations.delete(NAMESPACE, labels(APP))

    assert f"PersistentVolumeClaim/data-{APP}-db-7" not in deleted
    assert memory.get("v1", "PersistentVolumeClaim", NAMESPACE, f"data-{APP}-db-7")


def test_context_manager_closes_the_transport():
    class Recording(cluster.MemoryTransport):
        closed = False

        def close(self):
            self.closed = True

    transport = Recording("closing")
    with cluster.AppOperations(transport) as operations:
        operations.test_connection()

    assert transport.closed


def test_connection_sentence(operations):
    assert operations.test_connection() == (
        "The cluster answered: Kubernetes v1.33.0-dry-run (dry run)."
    )
