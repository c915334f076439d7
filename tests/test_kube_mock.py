"""The extension of kmock in :mod:`kube_mock`, over plain HTTP.

Each gap of kmock 0.8 that :class:`kube_mock.KubeEmulator` closes is checked
here with bare requests, so that the backend tests stand on known ground.
"""

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from kmock._internal import parsing
from kube_mock import APPLY_CONTENT_TYPE, KubeMock, match_selector

NS = "team"


@pytest.fixture(scope="module")
def served():
    with KubeMock() as mock:
        yield mock


@pytest.fixture
def mock(served):
    served.reset()
    return served


def call(mock, method, path, body=None, content_type="application/json"):
    """Send one request; return ``(status, decoded JSON)``."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        mock.url + path,
        data=data,
        method=method,
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def apply(mock, path, obj):
    return call(
        mock, "PATCH", path + "?fieldManager=t&force=true", obj, APPLY_CONTENT_TYPE
    )


def namespace(name=NS):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def config_map(name="c", data=None, labels=None):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NS, "labels": labels or {}},
        "data": data or {"k": "v"},
    }


def deployment(replicas=1, image="odoo:18.0"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {"replicas": replicas, "template": {"spec": {"image": image}}},
    }


CM_PATH = f"/api/v1/namespaces/{NS}/configmaps"
DEPLOY_PATH = f"/apis/apps/v1/namespaces/{NS}/deployments/web"


def test_namespace_paths_are_the_cluster_scoped_resource(mock):
    status, created = apply(mock, f"/api/v1/namespaces/{NS}", namespace())
    assert status == 200
    assert created["metadata"]["name"] == NS

    status, listed = call(mock, "GET", "/api/v1/namespaces")
    assert status == 200
    assert [item["metadata"]["name"] for item in listed["items"]] == [NS]
    assert call(mock, "GET", f"/api/v1/namespaces/{NS}")[0] == 200

    assert call(mock, "DELETE", f"/api/v1/namespaces/{NS}")[0] == 200
    assert call(mock, "GET", f"/api/v1/namespaces/{NS}")[0] == 404


def test_paths_inside_a_namespace_are_left_to_kmock():
    parsed = parsing.parse_path("/api/v1/namespaces/team/configmaps/c")

    assert (parsed.plural, parsed.namespace, parsed.name) == ("configmaps", "team", "c")


def test_apply_of_a_missing_object_creates_it(mock):
    status, created = apply(mock, CM_PATH + "/c", config_map())

    assert status == 200
    assert created["data"] == {"k": "v"}
    assert created["metadata"]["uid"]
    assert mock.get("v1", "ConfigMap", NS, "c")["data"] == {"k": "v"}


def test_merge_patch_of_a_missing_object_is_still_404(mock):
    status, _body = call(
        mock, "PATCH", CM_PATH + "/c", {"data": {}}, "application/merge-patch+json"
    )

    assert status == 404


def test_versions_change_only_with_the_object(mock):
    _status, first = apply(mock, CM_PATH + "/c", config_map())
    _status, same = apply(mock, CM_PATH + "/c", config_map())
    _status, changed = apply(mock, CM_PATH + "/c", config_map(data={"k": "w"}))

    assert same["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert (
        changed["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    )
    assert changed["metadata"]["uid"] == first["metadata"]["uid"]


def test_generation_changes_only_with_the_spec(mock):
    _status, first = apply(mock, DEPLOY_PATH, deployment())
    labelled = deployment()
    labelled["metadata"]["labels"] = {"a": "b"}
    _status, relabelled = apply(mock, DEPLOY_PATH, labelled)
    _status, changed = apply(mock, DEPLOY_PATH, deployment(image="odoo:19.0"))

    assert first["metadata"]["generation"] == 1
    assert relabelled["metadata"]["generation"] == 1
    assert changed["metadata"]["generation"] == 2


def test_auto_rollout_reads_as_rolled_out(mock):
    _status, created = apply(mock, DEPLOY_PATH, deployment(replicas=2))

    assert created["status"]["observedGeneration"] == 1
    assert created["status"]["availableReplicas"] == 2

    mock.set_auto_rollout(False)
    _status, changed = apply(mock, DEPLOY_PATH, deployment(replicas=3))
    assert changed["metadata"]["generation"] == 2
    assert changed["status"]["observedGeneration"] == 1


def test_label_selectors_filter_lists(mock):
    apply(mock, CM_PATH + "/a", config_map("a", labels={"app": "a", "tier": "web"}))
    apply(mock, CM_PATH + "/b", config_map("b", labels={"app": "b"}))

    def names(selector):
        query = urllib.parse.urlencode({"labelSelector": selector})
        _status, listed = call(mock, "GET", CM_PATH + "?" + query)
        return sorted(item["metadata"]["name"] for item in listed["items"])

    assert names("app=a") == ["a"]
    assert names("app==b") == ["b"]
    assert names("app!=a") == ["b"]
    assert names("tier") == ["a"]
    assert names("!tier") == ["b"]
    assert names("app=a,tier=db") == []
    assert call(mock, "GET", CM_PATH + "?labelSelector=app+in+(a)")[0] == 400


def test_match_selector_terms():
    assert match_selector({"a": "1"}, "")
    assert match_selector({"a": "1", "b": "2"}, "a=1, b=2")
    assert not match_selector({}, "a")


@pytest.mark.parametrize("path", ["/version", "/version/"])
def test_version_answers_with_or_without_a_trailing_slash(mock, path):
    status, body = call(mock, "GET", path)

    assert status == 200
    assert body["gitVersion"] == "v1.33.1"
    assert body["minor"] == "33"


def test_a_deleted_object_waits_for_its_finalizers(mock):
    # What a volume claim with kubernetes.io/pvc-protection does.
    apply(mock, f"/api/v1/namespaces/{NS}", namespace())
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "c", "namespace": NS, "finalizers": ["f"]},
    }
    apply(mock, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/c", claim)

    assert (
        call(mock, "DELETE", f"/api/v1/namespaces/{NS}/persistentvolumeclaims/c")[0]
        == 200
    )
    _status, listed = call(
        mock, "GET", f"/api/v1/namespaces/{NS}/persistentvolumeclaims"
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == ["c"]
    assert listed["items"][0]["metadata"]["deletionTimestamp"]


def test_harness_records_requests_and_holds_objects(mock):
    call(mock, "GET", "/version")
    apply(mock, f"/api/v1/namespaces/{NS}", namespace())

    recorded = mock.requests()
    assert [(r.method, r.path) for r in recorded] == [
        ("GET", "/version"),
        ("PATCH", f"/api/v1/namespaces/{NS}"),
    ]
    assert recorded[1].params == {"fieldManager": "t", "force": "true"}
    assert recorded[1].headers["Content-Type"] == APPLY_CONTENT_TYPE

    mock.put(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": NS},
            "status": {"phase": "Pending"},
        }
    )
    mock.set_status("v1", "Pod", NS, "p", {"phase": "Running"})
    assert mock.get("v1", "Pod", NS, "p")["status"] == {"phase": "Running"}
    assert mock.names("v1", "Pod") == ["p"]
    assert mock.get("v1", "Pod", NS, "absent") is None

    mock.reset_requests()
    assert mock.requests() == []
    mock.reset()
    assert mock.names("v1", "Namespace") == []


def test_runs_as_a_script():
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "kube_mock", "--port", "0"],
        cwd=__file__.rsplit("/", 1)[0],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        with urllib.request.urlopen(url + "/version", timeout=10) as response:
            assert json.loads(response.read())["gitVersion"] == "v1.33.1"
        with urllib.request.urlopen(url + "/_mock/requests", timeout=10) as response:
            assert json.loads(response.read()) == {"count": 2}
        forget = urllib.request.Request(url + "/_mock/objects", method="DELETE")
        with urllib.request.urlopen(forget, timeout=10) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(10)
