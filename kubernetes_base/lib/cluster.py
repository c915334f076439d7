"""What every deploy backend does to a cluster, on top of a small transport.

A backend provides a :class:`Transport`: five REST verbs on whole Kubernetes
objects, raising only :mod:`.exceptions` types. :class:`AppOperations` builds
the app-level operations on top of it (apply in order, status, suspend,
resume, delete, credentials), so that every backend behaves the same and the
rules live in one place. Nothing here imports Odoo.

The rules, in short:

- **Apply** is server-side apply with one field manager and ``force``. The
  Namespace comes first (one is added when the objects carry none). Applying
  an unchanged app changes nothing; a changed config value rolls the
  workloads through the checksum the renderer stamps on their pod templates.
  Applying a suspended app brings it back: the workloads get the replicas of
  their manifests again and lose the suspend annotation.
- **Status** follows ``kubectl rollout status`` for Deployments and
  StatefulSets, adds the waiting reason of a pod that is not ready, and the
  Ingress address.
- **Suspend and resume** scale Deployments and StatefulSets to zero and back,
  remembering the replicas in an annotation; they apply with their own field
  manager (:data:`SCALE_MANAGER_SUFFIX`) so the app's manifest is left alone.
- **Delete** removes the app's objects of every namespaced kind the layer
  knows, found by its labels (filtered on the client too), then the volume
  claims of its StatefulSets and the TLS Secrets its Ingresses named (which
  cert-manager creates without the app's labels), then the Namespace when
  nothing else is left in it: no object of a known kind, whoever made it,
  apart from what is being deleted and what Kubernetes puts in every
  namespace.
- **Connection**: the company's URL, token and CA only; the standard proxy
  variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) are honoured as
  kubectl does, by the same rule in every backend (:func:`proxy_for`).

:class:`StoreTransport` is the cluster of the dry-run backend: it keeps the
objects in an :class:`ObjectStore` (the database, for Odoo; memory, for
:class:`MemoryTransport`).
"""

import abc
import base64
import contextlib
import copy
import dataclasses
import datetime
import ipaddress
import itertools
import json
import os
import re
import ssl
import tempfile
import threading
import urllib.parse
import urllib.request
import uuid
import weakref

from . import secrets
from .exceptions import (
    ClusterUnavailableError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    InvalidObjectError,
    KubernetesError,
    NamespaceTerminatingError,
    NotFoundError,
    PermanentError,
)

# The same labels as ``render.app_labels``; repeated here so that this module
# needs nothing but the standard library.
LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "odoo-kubernetes"

#: Annotation on a suspended workload: the replicas to restore on resume.
ANNOTATION_REPLICAS = "odoo-kubernetes/suspended-replicas"
#: Appended to the field manager for the scale changes of suspend and resume.
SCALE_MANAGER_SUFFIX = "-scale"

APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


@dataclasses.dataclass(frozen=True)
class ClusterSettings:
    """Connection settings of one company, as plain values.

    The URL and the token are stripped of surrounding whitespace (a pasted
    token often ends with a newline); a token that still holds whitespace, a
    control or a non-ASCII character raises :class:`ConfigurationError`, as
    no HTTP header could carry it (:func:`token_problem`).
    """

    url: str
    token: str = dataclasses.field(repr=False, default="")
    ca_cert: str = dataclasses.field(repr=False, default="")  #: PEM text, or ""
    verify_tls: bool = True
    timeout: float = 10.0  #: seconds, for every call
    field_manager: str = "odoo-kubernetes"

    def __post_init__(self):
        # Frozen: the stripped values are set the way dataclasses set them.
        object.__setattr__(self, "url", (self.url or "").strip())
        object.__setattr__(self, "token", (self.token or "").strip())
        if token_problem(self.token):
            raise ConfigurationError(
                "The Kubernetes API key contains spaces or other characters a "
                "token cannot hold: enter the token alone."
            )


def token_problem(token):
    """Tell whether a bearer token, once stripped, still holds a character
    other than visible ASCII: whitespace, control or non-ASCII characters,
    which no ``Authorization`` header carries as they are."""
    return any(not "!" <= char <= "~" for char in (token or "").strip())


def ca_certificate_problem(pem):
    """Return why ``pem`` is not a usable PEM CA certificate, or "" when it
    is one (or empty)."""
    if not (pem or "").strip():
        return ""
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, TypeError, ValueError) as err:
        return str(err) or type(err).__name__
    return ""


def proxy_for(url):
    """Return the proxy the environment sets for ``url``, or None.

    kubectl's rule (Go's ``httpproxy``): ``HTTPS_PROXY`` for an https URL,
    ``HTTP_PROXY`` for an http one, none for ``localhost`` and loopback
    addresses, none when ``NO_PROXY`` exempts the host. Every backend asks
    this function and reads no proxy variable itself, so they all reach the
    cluster the same way.
    """
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme)
    if not proxy or _bypasses_proxy(parts, proxies.get("no", "")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _ip_address(text):
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _ip_network(text):
    """Return the network of a CIDR block, or an empty tuple when ``text``
    is none."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return ()


def _bypasses_proxy(parts, no_proxy):
    """Tell whether the URL ``parts`` go direct: ``localhost``, a loopback
    address, or a host ``NO_PROXY`` names (``*``; an IP address or a CIDR
    block; ``example.com`` for it and its subdomains; ``.example.com`` or
    ``*.example.com`` for its subdomains only; each with an optional
    ``:port``)."""
    host = (parts.hostname or "").lower()
    port = str(parts.port or {"https": 443, "http": 80}.get(parts.scheme, ""))
    ip = _ip_address(host)
    if host == "localhost" or (ip and ip.is_loopback):
        return True
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*":
            return True
        if not entry:
            continue
        if "/" in entry:
            if ip and ip in _ip_network(entry):
                return True
            continue
        name, entry_port = entry, ""
        if re.fullmatch(r".*[^:]:\d+", entry) and not _ip_address(entry):
            name, entry_port = entry.rsplit(":", 1)
        if entry_port and entry_port != port:
            continue
        if _ip_address(name):
            if ip == _ip_address(name):
                return True
            continue
        if name.startswith("*."):
            name = name[1:]
        if host.endswith(name if name.startswith(".") else "." + name):
            return True
        if not name.startswith(".") and host == name:
            return True
    return False


@dataclasses.dataclass(frozen=True)
class AppStatus:
    """Where an app stands on the cluster.

    ``state`` is one of ``ready``, ``progressing``, ``failed``, ``missing``,
    ``suspended``; ``message`` says why in words; ``address`` is the Ingress
    address when one is known; ``reason`` is the short machine word behind a
    state that is not ready (a pod's waiting reason such as
    ``CrashLoopBackOff``, or ``ProgressDeadlineExceeded``), or "".
    """

    state: str
    message: str = ""
    address: str = ""
    reason: str = ""


# Resources -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ResourceInfo:
    """Where a kind lives in the REST API."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool


#: (apiVersion, kind) -> (plural, namespaced) of every kind the backends handle
RESOURCES = {
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Secret"): ("secrets", True),
    ("v1", "Service"): ("services", True),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("v1", "PersistentVolumeClaim"): ("persistentvolumeclaims", True),
    ("v1", "Pod"): ("pods", True),
    ("apps/v1", "Deployment"): ("deployments", True),
    ("apps/v1", "StatefulSet"): ("statefulsets", True),
    ("networking.k8s.io/v1", "Ingress"): ("ingresses", True),
    ("networking.k8s.io/v1", "NetworkPolicy"): ("networkpolicies", True),
    ("batch/v1", "Job"): ("jobs", True),
    ("batch/v1", "CronJob"): ("cronjobs", True),
    ("policy/v1", "PodDisruptionBudget"): ("poddisruptionbudgets", True),
}

#: The kinds of an app's objects, in the order :meth:`AppOperations.delete`
#: removes them: traffic first, workloads next, then what they used
#: (configuration, accounts, volumes). Every namespaced kind of
#: :data:`RESOURCES` but Pods, which go with their workloads.
APP_KINDS = (
    ("networking.k8s.io/v1", "Ingress"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
)

#: What Kubernetes creates in every namespace: these objects do not keep a
#: namespace in use. So do the token Secrets of the ``default``
#: ServiceAccount, which clusters before 1.24 create under a generated name
#: (:func:`is_namespace_default`).
NAMESPACE_DEFAULTS = {
    ("v1", "ServiceAccount", "default"),
    ("v1", "ConfigMap", "kube-root-ca.crt"),
}
#: The type of a ServiceAccount token Secret, and the annotation naming its
#: account.
SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token"
SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name"


def is_namespace_default(obj, api_version, kind):
    """Tell whether ``obj``, of ``kind``, is one Kubernetes puts in every
    namespace (:data:`NAMESPACE_DEFAULTS`, or a token Secret of the
    ``default`` ServiceAccount)."""
    metadata = obj.get("metadata") or {}
    if (api_version, kind, metadata.get("name")) in NAMESPACE_DEFAULTS:
        return True
    annotations = metadata.get("annotations") or {}
    return (
        (api_version, kind) == ("v1", "Secret")
        and obj.get("type") == SERVICE_ACCOUNT_TOKEN_TYPE
        and annotations.get(SERVICE_ACCOUNT_NAME_ANNOTATION) == "default"
    )


def resource_info(api_version, kind):
    """Return the :class:`ResourceInfo` of a kind, or raise
    :class:`InvalidObjectError` for a kind the backends do not handle."""
    try:
        plural, namespaced = RESOURCES[(api_version, kind)]
    except KeyError:
        raise InvalidObjectError(
            f"The kind {kind} (apiVersion {api_version}) is not supported by the "
            "deploy backends."
        ) from None
    return ResourceInfo(api_version, kind, plural, namespaced)


def resource_path(api_version, kind, namespace=None, name=None):
    """Return the REST path of a kind's collection, or of one object when
    ``name`` is given; cluster-scoped kinds ignore ``namespace``."""
    info = resource_info(api_version, kind)
    parts = ["/api/v1" if api_version == "v1" else f"/apis/{api_version}"]
    if info.namespaced:
        if not namespace:
            raise InvalidObjectError(
                "{}/{} needs a namespace.".format(kind, name or "")
            )
        parts += ["namespaces", urllib.parse.quote(namespace, safe="")]
    parts.append(info.plural)
    if name:
        parts.append(urllib.parse.quote(name, safe=""))
    return "/".join(parts)


def object_ref(obj):
    """Return ``"Kind/name"`` for an object."""
    return "{}/{}".format(obj.get("kind"), (obj.get("metadata") or {}).get("name"))


def label_selector(labels):
    """Return the equality label selector string for a dict of labels."""
    return ",".join("{}={}".format(*item) for item in sorted((labels or {}).items()))


def has_labels(obj, labels):
    """Tell whether ``obj`` carries every label of the dict ``labels``."""
    own = (obj.get("metadata") or {}).get("labels") or {}
    return all(own.get(key) == value for key, value in (labels or {}).items())


def filter_by_labels(items, labels, api_version=None, kind=None):
    """Keep the items carrying ``labels``; fill in ``apiVersion`` and ``kind``
    where a list answer left them out."""
    result = []
    for item in items or ():
        if not has_labels(item, labels):
            continue
        if api_version:
            item.setdefault("apiVersion", api_version)
        if kind:
            item.setdefault("kind", kind)
        result.append(item)
    return result


def _tls_secret_names(ingress):
    """Return the set of Secret names an Ingress gives in ``spec.tls``."""
    tls = (ingress.get("spec") or {}).get("tls") or ()
    return {
        entry["secretName"]
        for entry in tls
        if isinstance(entry, dict) and entry.get("secretName")
    }


# Errors ----------------------------------------------------------------------


def _status_body(body):
    """Return an error answer as a dict when it is JSON, else as text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def _api_message(body):
    """Return the ``message`` of a Kubernetes Status body, or a short text."""
    body = _status_body(body)
    if isinstance(body, str):
        return " ".join(body.split())[:300]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or "")[:600]
    return ""


def _is_namespace_terminating(body):
    """Tell whether a 403 answer says the namespace is being deleted."""
    body = _status_body(body)
    if isinstance(body, dict):
        causes = (body.get("details") or {}).get("causes") or ()
        if any(cause.get("reason") == "NamespaceTerminating" for cause in causes):
            return True
        body = str(body.get("message") or "")
    return isinstance(body, str) and "because it is being terminated" in body


def error_for_status(status, body=None, what="the request"):
    """Return the :mod:`.exceptions` error for an HTTP error answer.

    ``status`` is the HTTP status, ``body`` the answer (a Kubernetes Status as
    bytes, text or dict), ``what`` names the object or call in the message.
    """
    message = _api_message(body) or "no details given"
    if status == 403 and _is_namespace_terminating(body):
        return NamespaceTerminatingError(
            f"The namespace is still being deleted, so {what} cannot be written "
            f"yet; it is tried again later (HTTP 403): {message}",
            status=status,
        )
    if status in (401, 403):
        refused = "credentials" if status == 401 else "permission"
        return CredentialsError(
            f"The cluster refused the {refused} for {what} (HTTP {status}): {message}",
            status=status,
        )
    if status == 404:
        return NotFoundError(
            f"The cluster does not know {what} (HTTP 404): {message}",
            status=status,
        )
    if status == 409:
        return ConflictError(
            f"The cluster reported a conflict on {what} (HTTP 409): {message}",
            status=status,
        )
    if status == 422:
        return InvalidObjectError(
            f"The cluster rejected {what} as invalid (HTTP 422): {message}",
            status=status,
        )
    if status == 429 or status >= 500:
        return ClusterUnavailableError(
            f"The cluster could not handle {what} right now (HTTP {status}): {message}",
            status=status,
        )
    return PermanentError(
        f"The cluster refused {what} (HTTP {status}): {message}",
        status=status,
    )


def unavailable(what, reason):
    """Return the retryable error for a call that got no answer at all."""
    return ClusterUnavailableError(f"The cluster did not answer {what}: {reason}")


def json_answer(content, what, status=200):
    """Return the decoded JSON object of a successful answer, {} when empty.

    An answer that is not a JSON object (an HTML page of a proxy or of a web
    server at the wrong URL) raises :class:`ConfigurationError`: repeating
    the call will not make that server a Kubernetes API.
    """
    if not content:
        return {}
    try:
        answer = json.loads(content)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        return answer
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    excerpt = " ".join(str(content).split())[:120]
    raise ConfigurationError(
        f"The server did not answer {what} as a Kubernetes API does (HTTP {status}, "
        f"not a JSON object): check the Kubernetes API URL. It sent: {excerpt}"
    )


# Rollout rules ---------------------------------------------------------------


def is_suspended(workload):
    """Tell whether a Deployment or StatefulSet was scaled down by suspend."""
    annotations = (workload.get("metadata") or {}).get("annotations") or {}
    replicas = (workload.get("spec") or {}).get("replicas", 1)
    return ANNOTATION_REPLICAS in annotations and replicas == 0


def _deployment_rollout(obj):
    metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    status = obj.get("status") or {}
    name = metadata.get("name")
    if metadata.get("generation", 0) > status.get("observedGeneration", -1):
        return (
            "progressing",
            f"Deployment {name}: waiting for the update to be observed.",
        )
    for condition in status.get("conditions") or ():
        if (
            condition.get("type") == "Progressing"
            and condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            return (
                "failed",
                f"Deployment {name} exceeded its progress deadline.",
                "ProgressDeadlineExceeded",
            )
    replicas = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    if updated < replicas:
        return "progressing", (
            f"Deployment {name}: {updated} of {replicas} new replicas updated."
        )
    if status.get("replicas", 0) > updated:
        return "progressing", (
            "Deployment {}: {} old replicas pending termination.".format(
                name, status.get("replicas", 0) - updated
            )
        )
    available = status.get("availableReplicas", 0)
    if available < updated:
        return "progressing", (
            f"Deployment {name}: {available} of {updated} updated replicas available."
        )
    return "ready", f"Deployment {name} rolled out."


def _statefulset_rollout(obj):
    metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    status = obj.get("status") or {}
    name = metadata.get("name")
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return (
            "failed",
            f"StatefulSet {name}: rollout status needs the RollingUpdate strategy.",
            "UnsupportedUpdateStrategy",
        )
    observed = status.get("observedGeneration", 0)
    if not observed or metadata.get("generation", 0) > observed:
        return (
            "progressing",
            f"StatefulSet {name}: waiting for the update to be observed.",
        )
    replicas = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0)
    if ready < replicas:
        return "progressing", (
            f"StatefulSet {name}: waiting for {replicas - ready} pods to be ready."
        )
    partition = (strategy.get("rollingUpdate") or {}).get("partition")
    if strategy.get("rollingUpdate") is not None:
        if partition is not None and status.get("updatedReplicas", 0) < (
            replicas - partition
        ):
            return "progressing", (
                "StatefulSet {}: {} of {} new pods updated.".format(
                    name, status.get("updatedReplicas", 0), replicas - partition
                )
            )
        return "ready", f"StatefulSet {name} rolled out."
    if status.get("updateRevision") != status.get("currentRevision"):
        return "progressing", (
            "StatefulSet {}: rolling update to revision {} in progress.".format(
                name, status.get("updateRevision")
            )
        )
    return "ready", f"StatefulSet {name} rolled out."


def _remembered_replicas(workload):
    """Return the replicas a suspended workload had, as its annotation says
    (1 when the annotation is not a number)."""
    annotations = (workload.get("metadata") or {}).get("annotations") or {}
    try:
        return int(annotations.get(ANNOTATION_REPLICAS))
    except (TypeError, ValueError):
        return 1


def rollout_status(workload):
    """Return ``(state, message, reason)`` for a Deployment or StatefulSet by
    the rules of ``kubectl rollout status``; ``state`` is ``ready``,
    ``progressing``, ``failed`` or ``suspended``, ``reason`` names a failure."""
    if is_suspended(workload):
        return "suspended", f"{object_ref(workload)} is suspended.", ""
    if workload.get("kind") == "StatefulSet":
        result = _statefulset_rollout(workload)
    else:
        result = _deployment_rollout(workload)
    return result if len(result) == 3 else (*result, "")


def pod_waiting_reason(pod):
    """Return ``(reason, message)`` of the first container of a pod that waits
    (``ImagePullBackOff``, ``CrashLoopBackOff``, ...) or cannot be scheduled,
    or ``("", "")``."""
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or ():
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason and reason not in ("ContainerCreating", "PodInitializing"):
                return reason, waiting.get("message") or ""
    for condition in status.get("conditions") or ():
        if (
            condition.get("type") == "PodScheduled"
            and condition.get("status") == "False"
        ):
            return condition.get("reason") or "Unschedulable", condition.get(
                "message"
            ) or ""
    return "", ""


def ingress_address(ingress):
    """Return the address of an Ingress: its load balancer's IP or host name,
    else the host of its first rule, else ""."""
    balancer = ((ingress.get("status") or {}).get("loadBalancer") or {}).get(
        "ingress"
    ) or ()
    for entry in balancer:
        if entry.get("ip") or entry.get("hostname"):
            return entry.get("ip") or entry.get("hostname")
    for rule in (ingress.get("spec") or {}).get("rules") or ():
        if rule.get("host"):
            return rule["host"]
    return ""


def rolled_out_status(workload):
    """Return a ``status`` reading as fully rolled out for a Deployment or
    StatefulSet (what the dry-run cluster reports at once)."""
    metadata, spec = workload.get("metadata") or {}, workload.get("spec") or {}
    replicas = spec.get("replicas", 1)
    status = {
        "observedGeneration": metadata.get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    }
    if workload.get("kind") == "StatefulSet":
        revision = "{}-{}".format(metadata.get("name"), metadata.get("generation", 1))
        status.update(
            currentReplicas=replicas, currentRevision=revision, updateRevision=revision
        )
    else:
        status["conditions"] = [
            {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
            },
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
            },
        ]
    return status


# Transport -------------------------------------------------------------------


def write_ca_file(owner, pem):
    """Write a CA certificate to a private temporary file.

    The clients take a CA as a file path. Returns ``(path, cleanup)``:
    calling ``cleanup()`` removes the file, and it runs by itself when
    ``owner`` is collected, so no certificate outlives its transport. Only
    the process that wrote the file removes it: a forked child that collects
    its copy of the transport, or exits, leaves the parent's file alone.

    A ``pem`` that holds no valid certificate raises
    :class:`ConfigurationError` before anything is written.
    """
    problem = ca_certificate_problem(pem)
    if problem:
        raise ConfigurationError(
            f"The CA certificate of the cluster is not a valid PEM certificate: "
            f"{problem}"
        )
    handle, path = tempfile.mkstemp(prefix="odoo-k8s-ca-", suffix=".pem")
    with os.fdopen(handle, "w") as ca_file:
        ca_file.write(pem)
    return path, weakref.finalize(owner, _remove_file, path, os.getpid())


def _remove_file(path, pid=None):
    """Remove the file at ``path``, if it is still there and this is the
    process ``pid`` that wrote it."""
    if pid is not None and os.getpid() != pid:
        return
    try:
        os.unlink(path)
    # Already gone (removed by hand, or a temporary directory cleaned up):
    # nothing is left to remove and nothing is worth logging.
    except FileNotFoundError:  # pylint: disable=except-pass
        pass


class Transport(abc.ABC):
    """The REST surface a backend provides; every method raises
    :mod:`.exceptions` types, never a client library's own."""

    @abc.abstractmethod
    def apply(self, obj, field_manager=None):
        """Server-side apply ``obj`` (a dict) with ``force`` and return the live
        object. ``field_manager`` defaults to the settings' one; suspend and
        resume pass their own so the app's manifest fields stay untouched."""

    @abc.abstractmethod
    def get(self, api_version, kind, namespace, name):
        """Return the live object, or None when it does not exist."""

    @abc.abstractmethod
    def list(self, api_version, kind, namespace, labels):
        """Return the objects of ``kind`` in ``namespace`` carrying every
        label of the dict ``labels`` (filtered here too, not only by the
        server)."""

    @abc.abstractmethod
    def delete(self, api_version, kind, namespace, name):
        """Delete the object; a missing object is not an error."""

    @abc.abstractmethod
    def version(self):
        """Return the server's ``/version`` answer as a dict."""

    def close(self):  # noqa: B027 - an optional hook, empty by default
        """Release connections; the transport is not used afterwards."""


class AppOperations:
    """App-level operations shared by every backend.

    Use it as a context manager to close the transport at the end::

        with AppOperations(transport) as operations:
            operations.apply(objects)
    """

    #: Field manager suffix for the replicas that suspend and resume change.
    scale_manager_suffix = SCALE_MANAGER_SUFFIX

    def __init__(self, transport):
        self.transport = transport

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the transport."""
        self.transport.close()

    # apply

    def apply(self, objects):
        """Apply rendered objects in order (a Namespace first); return a list
        of ``"Kind/name"`` strings.

        Workloads that :meth:`suspend` scaled down come back with the replicas
        of their manifests, and lose the suspend annotation.
        """
        objects = self._prepare_objects(objects)
        suspended = self._suspended_workloads(objects)
        applied = []
        for obj in objects:
            self.transport.apply(obj)
            applied.append(object_ref(obj))
        for obj, live in suspended:
            self._wake(obj, live)
        return applied

    def _prepare_objects(self, objects):
        """Return deep copies of ``objects``, checked, Namespaces first, with a
        Namespace added for every namespace that has none."""
        objects = [copy.deepcopy(obj) for obj in objects]
        for obj in objects:
            metadata = obj.get("metadata") or {}
            if not (obj.get("apiVersion") and obj.get("kind") and metadata.get("name")):
                raise InvalidObjectError(
                    "An object lacks its apiVersion, kind or metadata.name: "
                    f"{object_ref(obj)}"
                )
            info = resource_info(obj["apiVersion"], obj["kind"])
            if info.namespaced and not metadata.get("namespace"):
                raise InvalidObjectError(
                    f"{object_ref(obj)} has no metadata.namespace."
                )
        namespaces = [obj for obj in objects if obj["kind"] == "Namespace"]
        others = [obj for obj in objects if obj["kind"] != "Namespace"]
        known = {obj["metadata"]["name"] for obj in namespaces}
        for obj in others:
            namespace = obj["metadata"].get("namespace")
            if namespace and namespace not in known:
                known.add(namespace)
                namespaces.append(self._namespace_object(namespace))
        return namespaces + others

    def _namespace_object(self, name):
        """Return the Namespace object added when the rendered objects have
        none; it carries only the managed-by label, as it may be shared."""
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {LABEL_MANAGED_BY: MANAGED_BY}},
        }

    def _suspended_workloads(self, objects):
        """Return ``(object, live)`` for each workload of ``objects`` that is
        suspended on the cluster."""
        suspended = []
        for obj in objects:
            if obj["kind"] not in WORKLOAD_KINDS:
                continue
            metadata = obj["metadata"]
            live = self.transport.get(
                obj["apiVersion"],
                obj["kind"],
                metadata.get("namespace"),
                metadata["name"],
            )
            if live and is_suspended(live):
                suspended.append((obj, live))
        return suspended

    def _wake(self, obj, live):
        """Give a suspended workload, just applied, the replicas of its
        manifest (the remembered ones when the manifest names none) and drop
        the suspend annotation, with the scale field manager that set both."""
        replicas = (obj.get("spec") or {}).get("replicas")
        if replicas is None:
            replicas = _remembered_replicas(live)
        self._scale(live, replicas, {ANNOTATION_REPLICAS: None})

    # credentials

    def read_secret(self, namespace, name):
        """Return the decoded ``data`` of a Secret as a dict, or None."""
        secret = self.transport.get("v1", "Secret", namespace, name)
        if secret is None:
            return None
        values = {}
        for key, value in (secret.get("data") or {}).items():
            values[key] = base64.b64decode(value or "").decode(
                "utf-8", errors="replace"
            )
        values.update(secret.get("stringData") or {})
        return values

    def credentials(self, namespace, name, rotate=False):
        """Return the app's credentials for an apply.

        The ones the Secret ``name`` holds, when it exists; with ``rotate``, a
        new ``admin_password`` and the same ``db_password``, since PostgreSQL
        only reads its password when it first creates its data. Both are
        generated for an app that has no Secret yet.
        """
        credentials = self.read_secret(namespace, name)
        if not credentials or not credentials.get("db_password"):
            return secrets.generate_credentials()
        if rotate or not credentials.get("admin_password"):
            credentials["admin_password"] = secrets.generate_password()
        return credentials

    # status

    def status(self, namespace, labels):
        """Return the :class:`AppStatus` of the app whose objects carry
        ``labels``."""
        workloads = self._workloads(namespace, labels)
        address = self._address(namespace, labels)
        if not workloads:
            return AppStatus("missing", "No workload of the app is on the cluster.")
        states = [(workload, *rollout_status(workload)) for workload in workloads]
        if all(state == "suspended" for _workload, state, _msg, _why in states):
            return AppStatus("suspended", "The app is scaled to zero.", address)
        for workload, state, message, failure in states:
            if state == "failed":
                reason, detail = self._pods_reason(namespace, workload)
                return AppStatus(
                    "failed",
                    self._join(message, reason, detail),
                    address,
                    reason or failure,
                )
        for workload, state, message, _failure in states:
            if state == "progressing":
                reason, detail = self._pods_reason(namespace, workload)
                return AppStatus(
                    "progressing", self._join(message, reason, detail), address, reason
                )
        return AppStatus(
            "ready",
            f"Every workload is rolled out ({len(workloads)}).",
            address,
        )

    def _workloads(self, namespace, labels):
        """Return the app's Deployments and StatefulSets."""
        workloads = []
        for kind in WORKLOAD_KINDS:
            workloads += self.transport.list("apps/v1", kind, namespace, labels)
        return workloads

    def _address(self, namespace, labels):
        """Return the first address among the app's Ingresses, or ""."""
        ingresses = self.transport.list(
            "networking.k8s.io/v1", "Ingress", namespace, labels
        )
        for ingress in ingresses:
            address = ingress_address(ingress)
            if address:
                return address
        return ""

    def _pods_reason(self, namespace, workload):
        """Return ``(reason, message)`` of the first waiting pod of a workload,
        found by its selector, or ``("", "")``."""
        selector = ((workload.get("spec") or {}).get("selector") or {}).get(
            "matchLabels"
        )
        if not selector:
            return "", ""
        for pod in self.transport.list("v1", "Pod", namespace, selector):
            reason, message = pod_waiting_reason(pod)
            if reason:
                return reason, message
        return "", ""

    @staticmethod
    def _join(message, reason, detail):
        if not reason:
            return message
        text = f"{message} Pod waiting: {reason}"
        return f"{text} ({detail[:300]})" if detail else text

    # suspend and resume

    def suspend(self, namespace, labels):
        """Scale the app's Deployments and StatefulSets to zero, keeping
        volumes and secrets, and remember their replicas. Return the scaled
        ``"Kind/name"``."""
        scaled = []
        for workload in self._workloads(namespace, labels):
            if is_suspended(workload):
                continue
            replicas = (workload.get("spec") or {}).get("replicas", 1)
            self._scale(workload, 0, {ANNOTATION_REPLICAS: str(replicas)})
            scaled.append(object_ref(workload))
        return scaled

    def resume(self, namespace, labels):
        """Scale back what :meth:`suspend` scaled down. Return the scaled
        ``"Kind/name"``."""
        scaled = []
        for workload in self._workloads(namespace, labels):
            if not is_suspended(workload):
                continue
            replicas = _remembered_replicas(workload)
            self._scale(workload, replicas, {ANNOTATION_REPLICAS: None})
            scaled.append(object_ref(workload))
        return scaled

    def _scale(self, workload, replicas, annotations):
        """Apply the replicas and annotations of one workload with the scale
        field manager; ``None`` removes an annotation."""
        metadata = workload["metadata"]
        patch = {
            "apiVersion": workload.get("apiVersion") or "apps/v1",
            "kind": workload["kind"],
            "metadata": {
                "name": metadata["name"],
                "namespace": metadata.get("namespace"),
                "annotations": annotations,
            },
            "spec": {"replicas": replicas},
        }
        manager = self._scale_manager()
        self.transport.apply(patch, field_manager=manager)

    def _scale_manager(self):
        settings = getattr(self.transport, "settings", None)
        base = getattr(settings, "field_manager", None) or ClusterSettings.field_manager
        return base + self.scale_manager_suffix

    # delete

    def delete(self, namespace, labels):
        """Delete the app's objects, kind by kind in :data:`APP_KINDS` order,
        the volume claims of its StatefulSets and the TLS Secrets its
        Ingresses named; delete the namespace when nothing else is left in it
        (:meth:`_namespace_in_use`). Return the deleted ``"Kind/name"``."""
        if not labels:
            raise InvalidObjectError("Refusing to delete objects without labels.")
        claims = self._statefulset_claims(namespace, labels)
        tls_secrets = self._ingress_tls_secrets(namespace, labels)
        deleted = []
        for api_version, kind in APP_KINDS:
            for obj in self.transport.list(api_version, kind, namespace, labels):
                self.transport.delete(
                    api_version, kind, namespace, obj["metadata"]["name"]
                )
                deleted.append("{}/{}".format(kind, obj["metadata"]["name"]))
        for name in self._claims_to_delete(namespace, labels, claims, deleted):
            self.transport.delete("v1", "PersistentVolumeClaim", namespace, name)
            deleted.append(f"PersistentVolumeClaim/{name}")
        for name in self._tls_secrets_to_delete(
            namespace, labels, tls_secrets, deleted
        ):
            self.transport.delete("v1", "Secret", namespace, name)
            deleted.append(f"Secret/{name}")
        if not self._namespace_in_use(namespace, labels.get(LABEL_INSTANCE)):
            self.transport.delete("v1", "Namespace", None, namespace)
            deleted.append(f"Namespace/{namespace}")
        return deleted

    def _statefulset_claims(self, namespace, labels):
        """Return name patterns of the volume claims the app's StatefulSets
        created (``<template>-<statefulset>-<ordinal>``)."""
        patterns = []
        for sts in self.transport.list("apps/v1", "StatefulSet", namespace, labels):
            for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
                prefix = "{}-{}".format(
                    template["metadata"]["name"],
                    sts["metadata"]["name"],
                )
                patterns.append(re.compile(rf"{re.escape(prefix)}-\d+"))
        return patterns

    def _claims_to_delete(self, namespace, labels, patterns, deleted):
        """Return the names of StatefulSet volume claims not yet deleted that
        belong to no other app."""
        if not patterns:
            return []
        names = []
        instance = labels.get(LABEL_INSTANCE)
        for claim in self.transport.list("v1", "PersistentVolumeClaim", namespace, {}):
            name = claim["metadata"]["name"]
            owner = (claim["metadata"].get("labels") or {}).get(LABEL_INSTANCE)
            if f"PersistentVolumeClaim/{name}" in deleted:
                continue
            if owner and owner != instance:
                continue
            if any(pattern.fullmatch(name) for pattern in patterns):
                names.append(name)
        return names

    def _ingress_tls_secrets(self, namespace, labels):
        """Return the names of the Secrets the app's Ingresses name in
        ``spec.tls``: cert-manager creates them for the hosts, without the
        app's labels and without an owner."""
        names = set()
        ingresses = self.transport.list(
            "networking.k8s.io/v1", "Ingress", namespace, labels
        )
        for ingress in ingresses:
            names |= _tls_secret_names(ingress)
        return names

    def _tls_secrets_to_delete(self, namespace, labels, names, deleted):
        """Return those of the TLS Secrets ``names`` still there, not deleted
        yet, that belong to no other app and that no Ingress left in the
        namespace names."""
        if not names:
            return []
        for ingress in self.transport.list(
            "networking.k8s.io/v1", "Ingress", namespace, {}
        ):
            if not (ingress.get("metadata") or {}).get("deletionTimestamp"):
                names = names - _tls_secret_names(ingress)
        instance = labels.get(LABEL_INSTANCE)
        result = []
        for secret in self.transport.list("v1", "Secret", namespace, {}):
            name = secret["metadata"]["name"]
            owner = (secret["metadata"].get("labels") or {}).get(LABEL_INSTANCE)
            if name not in names or f"Secret/{name}" in deleted:
                continue
            if owner and owner != instance:
                continue
            result.append(name)
        return sorted(result)

    def _namespace_in_use(self, namespace, instance=None):
        """Tell whether the namespace still holds an object of a known kind
        (:data:`APP_KINDS` and Pods), whoever made it: a namespace an operator
        named may hold objects these addons know nothing about.

        Objects being deleted (a volume claim waits for its protection
        finalizer), those of the app ``instance`` just deleted (its pods go
        with their workloads) and :data:`NAMESPACE_DEFAULTS` do not count.
        """
        for api_version, kind in (*APP_KINDS, ("v1", "Pod")):
            for obj in self.transport.list(api_version, kind, namespace, {}):
                if self._keeps_namespace(obj, api_version, kind, instance):
                    return True
        return False

    @staticmethod
    def _keeps_namespace(obj, api_version, kind, instance):
        """Tell whether ``obj`` keeps its namespace in use after the app
        ``instance`` was deleted."""
        metadata = obj.get("metadata") or {}
        if metadata.get("deletionTimestamp"):
            return False
        if is_namespace_default(obj, api_version, kind):
            return False
        owner = (metadata.get("labels") or {}).get(LABEL_INSTANCE)
        return not (instance and owner == instance)

    # connection

    def test_connection(self):
        """Return a sentence naming the server version, or raise."""
        version = self.transport.version() or {}
        text = version.get("gitVersion") or "{}.{}".format(
            version.get("major", "?"),
            version.get("minor", "?"),
        )
        platform = version.get("platform")
        if platform:
            return f"The cluster answered: Kubernetes {text} ({platform})."
        return f"The cluster answered: Kubernetes {text}."


# Dry-run cluster -------------------------------------------------------------


def merge_apply(live, obj):
    """Return ``live`` with ``obj`` merged in: dicts merge, other values
    replace, ``None`` removes a key (the dry-run stand-in for server-side
    apply)."""
    result = copy.deepcopy(live) if live else {}
    for key, value in obj.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_apply(result[key], value)
        elif isinstance(value, dict):
            result[key] = merge_apply({}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


class ObjectStore(abc.ABC):
    """Where a :class:`StoreTransport` keeps the objects of its cluster.

    A key is ``(api_version, kind, namespace, name)`` with ``None`` as the
    namespace of a cluster-scoped object. Objects go in and come out as
    plain dicts; the transport copies them, the store need not.
    """

    @abc.abstractmethod
    def get(self, key):
        """Return the object stored under ``key``, or None."""

    @abc.abstractmethod
    def put(self, key, obj):
        """Store ``obj`` under ``key``, replacing what was there."""

    @abc.abstractmethod
    def remove(self, keys):
        """Forget the objects under each of ``keys``; missing ones are fine."""

    @abc.abstractmethod
    def find(self, api_version=None, kind=None, namespace=None):
        """Return ``(key, object)`` pairs matching every given part of the
        key; ``namespace`` None matches any namespace."""

    @abc.abstractmethod
    def next_version(self):
        """Return a new ``resourceVersion``, greater than any given before."""

    def lock(self):
        """Return a context manager that keeps other writers out while a
        read-merge-write runs; none is needed by default."""
        return contextlib.nullcontext()


_MEMORY = {}
_MEMORY_LOCK = threading.RLock()
_MEMORY_VERSIONS = itertools.count(1)


class MemoryStore(ObjectStore):
    """An :class:`ObjectStore` in the memory of this process, per scope."""

    def __init__(self, scope):
        self.scope = scope

    @property
    def _objects(self):
        return _MEMORY.setdefault(self.scope, {})

    def get(self, key):
        with _MEMORY_LOCK:
            return self._objects.get(key)

    def put(self, key, obj):
        with _MEMORY_LOCK:
            self._objects[key] = obj

    def remove(self, keys):
        with _MEMORY_LOCK:
            for key in keys:
                self._objects.pop(key, None)

    def find(self, api_version=None, kind=None, namespace=None):
        with _MEMORY_LOCK:
            return [
                (key, obj)
                for key, obj in self._objects.items()
                if api_version in (None, key[0])
                and kind in (None, key[1])
                and namespace in (None, key[2])
            ]

    def next_version(self):
        return str(next(_MEMORY_VERSIONS))

    def lock(self):
        return _MEMORY_LOCK


class StoreTransport(Transport):
    """A cluster that keeps applied objects in an :class:`ObjectStore` and
    reports workloads as rolled out at once: the dry-run backend.

    Apply merges like server-side apply, sets uid, generation and
    resourceVersion as a server would, and refuses an object whose
    Namespace is missing; deleting a Namespace deletes what is in it.
    """

    def __init__(self, store, settings=None):
        self.store = store
        self.settings = settings

    @staticmethod
    def _key(api_version, kind, namespace, name):
        info = resource_info(api_version, kind)
        return (api_version, kind, namespace if info.namespaced else None, name)

    def apply(self, obj, field_manager=None):
        metadata = obj.get("metadata") or {}
        api_version, kind, name = (
            obj.get("apiVersion"),
            obj.get("kind"),
            metadata.get("name"),
        )
        key = self._key(api_version, kind, metadata.get("namespace"), name)
        what = f"{kind}/{name}"
        with self.store.lock():
            if key[2] and not self.store.get(("v1", "Namespace", None, key[2])):
                raise NotFoundError(
                    f"The cluster does not know {what} (HTTP 404): "
                    f'namespaces "{key[2]}" not found',
                    status=404,
                )
            live = self.store.get(key)
            merged = merge_apply(live, obj)
            merged.pop("status", None)
            if live and "status" in live:
                merged["status"] = copy.deepcopy(live["status"])
            self._bookkeep(merged, live)
            if kind in WORKLOAD_KINDS:
                merged["status"] = rolled_out_status(merged)
            self.store.put(key, copy.deepcopy(merged))
            return merged

    def _bookkeep(self, merged, live):
        """Set uid, resourceVersion and generation as a server would."""
        metadata = merged.setdefault("metadata", {})
        if live is None:
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = datetime.datetime.now(
                datetime.timezone.utc
            ).strftime("%Y-%m-%dT%H:%M:%SZ")
            metadata["generation"] = 1
            metadata["resourceVersion"] = self.store.next_version()
            return
        live_metadata = live.get("metadata") or {}
        for field in ("uid", "creationTimestamp", "generation", "resourceVersion"):
            metadata[field] = live_metadata.get(field)
        if merged.get("spec") != live.get("spec"):
            metadata["generation"] = (live_metadata.get("generation") or 1) + 1
        if merged != live:
            metadata["resourceVersion"] = self.store.next_version()

    def get(self, api_version, kind, namespace, name):
        obj = self.store.get(self._key(api_version, kind, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def list(self, api_version, kind, namespace, labels):
        info = resource_info(api_version, kind)
        found = self.store.find(
            api_version, kind, namespace if info.namespaced else None
        )
        return [copy.deepcopy(obj) for _key, obj in found if has_labels(obj, labels)]

    def delete(self, api_version, kind, namespace, name):
        key = self._key(api_version, kind, namespace, name)
        with self.store.lock():
            keys = [key]
            if kind == "Namespace":
                keys += [inner for inner, _obj in self.store.find(namespace=name)]
            self.store.remove(keys)

    def version(self):
        return {
            "major": "1",
            "minor": "33",
            "gitVersion": "v1.33.0-dry-run",
            "platform": "dry run",
        }


class MemoryTransport(StoreTransport):
    """A :class:`StoreTransport` in the memory of this process: every
    ``MemoryTransport(scope)`` with the same scope sees the same objects.
    For tests and tools; a restart forgets everything."""

    def __init__(self, scope="default", settings=None):
        super().__init__(MemoryStore(scope), settings)
        self.scope = scope

    @classmethod
    def reset(cls, scope=None):
        """Forget the objects of ``scope``, or of every scope when None."""
        with _MEMORY_LOCK:
            if scope is None:
                _MEMORY.clear()
            else:
                _MEMORY.pop(scope, None)


__all__ = [
    "APP_KINDS",
    "NAMESPACE_DEFAULTS",
    "AppOperations",
    "AppStatus",
    "ClusterSettings",
    "KubernetesError",
    "MemoryStore",
    "MemoryTransport",
    "ObjectStore",
    "ResourceInfo",
    "StoreTransport",
    "Transport",
    "error_for_status",
    "is_namespace_default",
    "resource_info",
    "resource_path",
]
