"""A :class:`Transport` on the official ``kubernetes`` Python client.

One :class:`ApiTransport` is one company's connection: its own
``Configuration`` and ``ApiClient``, built from :class:`ClusterSettings` and
nothing else. The process-wide default configuration is never read nor
changed, no kubeconfig is loaded, and the proxy is decided by
:func:`~odoo.addons.kubernetes_base.lib.cluster.proxy_for` from the standard
``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` variables, as kubectl does,
rather than left to the client's partial reading of them (36.x ignores
``NO_PROXY``).

Calls go through the typed API classes (``CoreV1Api.patch_namespaced_...``)
without their model layer: answers come back as the raw JSON the server sent,
so the objects keep every field. Server-side apply is
``patch_...(field_manager=..., force=True,
_content_type="application/apply-patch+yaml")``.

It runs on the client's 36.x line (the one that installs beside Odoo's
urllib3 1.26) and on the regenerated 37.x line: the token goes whole
(``"Bearer <token>"``) into ``api_key["authorization"]``, the CA into a file
removed on :meth:`ApiTransport.close`, every call carries
``_request_timeout``, errors are told apart by their HTTP status, and raw
answers come from ``_preload_content=False``, which both lines accept.

Retries are off: a call is sent once, and the provisioning cron decides when
to try again. A transport belongs to the process that built it; after a
``fork()`` build a new one (the deployers build one per operation anyway).

**Timeouts.** The settings' timeout goes to urllib3 as a total, which bounds
connecting and the wait for the answer's head. urllib3 bounds reading the
body per read of the socket only, so a server that trickles its body a few
bytes at a time would hold the call: :func:`_read_with_deadline` shuts the
socket down when the timeout, counted from the start of the call, is over.
The body of an error answer is read by the client itself, before the
transport sees it, and keeps the per-read bound.
"""

import contextlib
import functools
import logging
import os
import re
import socket
import threading
import time
import warnings

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from odoo.addons.kubernetes_base.lib.cluster import (
    APPLY_CONTENT_TYPE,
    Transport,
    error_for_status,
    filter_by_labels,
    json_answer,
    label_selector,
    proxy_for,
    resource_info,
    unavailable,
    write_ca_file,
)
from odoo.addons.kubernetes_base.lib.exceptions import (
    ConfigurationError,
    NotFoundError,
)

_logger = logging.getLogger(__name__)

# The 36.x client builds every error with urllib3's deprecated getheaders();
# with urllib3 1.26 (Odoo's pin) each 404 would log a DeprecationWarning.
warnings.filterwarnings(
    "ignore",
    message=r"HTTPResponse\.getheaders\(\) is deprecated",
    category=DeprecationWarning,
    module=r"kubernetes\.client",
)

#: The typed API class of each apiVersion the backends handle.
API_CLASSES = {
    "v1": "CoreV1Api",
    "apps/v1": "AppsV1Api",
    "batch/v1": "BatchV1Api",
    "networking.k8s.io/v1": "NetworkingV1Api",
    "policy/v1": "PolicyV1Api",
}


def snake_case(kind):
    """Return the method suffix of a kind: ``ConfigMap`` -> ``config_map``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


class ApiTransport(Transport):
    """Talks to one cluster with the official client, for one company."""

    def __init__(self, settings):
        if not settings.url:
            raise ConfigurationError("The Kubernetes API URL is not set.")
        self.settings = settings
        self._pid = os.getpid()
        self._ca_file = None
        self._cleanup = None
        self._client = client.ApiClient(configuration=self._configuration())

    def _configuration(self):
        """Return a ``Configuration`` holding the settings and nothing from
        the process defaults."""
        settings = self.settings
        configuration = client.Configuration()
        configuration.host = settings.url.rstrip("/")
        configuration.api_key = {}
        configuration.api_key_prefix = {}
        if settings.token:
            configuration.api_key["authorization"] = f"Bearer {settings.token}"
        configuration.verify_ssl = settings.verify_tls
        if settings.verify_tls and settings.ca_cert:
            configuration.ssl_ca_cert = self._write_ca(settings.ca_cert)
        configuration.proxy = proxy_for(configuration.host)
        configuration.no_proxy = None
        configuration.retries = False
        return configuration

    def _write_ca(self, pem):
        """Write the CA certificate to a private file, removed on close or
        when the transport is collected."""
        self._ca_file, self._cleanup = write_ca_file(self, pem)
        return self._ca_file

    def close(self):
        self._client.close()
        self._client.rest_client.pool_manager.clear()
        if self._cleanup is not None:
            self._cleanup()

    # Calls

    def _method(self, verb, info):
        """Return the typed method for ``verb`` on a kind, asking for the raw
        answer."""
        api = getattr(client, API_CLASSES[info.api_version])(self._client)
        scope = "namespaced_" if info.namespaced else ""
        name = f"{verb}_{scope}{snake_case(info.kind)}"
        return functools.partial(getattr(api, name), _preload_content=False)

    def _call(self, what, method, *args, **kwargs):
        """Run one call and return its decoded JSON answer; raise the
        :mod:`exceptions` type of any failure."""
        if os.getpid() != self._pid:
            raise RuntimeError(
                "An ApiTransport cannot be used after fork(); build a new one."
            )
        started = time.monotonic()
        try:
            response = method(*args, _request_timeout=self.settings.timeout, **kwargs)
        except ApiException as err:
            raise self._api_error(err, what) from err
        except AttributeError as err:
            # 36.x fails decoding the empty body of its own status-less error
            # (a TLS failure); report the error it was building.
            if not isinstance(err.__context__, ApiException):
                raise
            raise self._api_error(err.__context__, what) from err.__context__
        except urllib3.exceptions.SSLError as err:
            raise self._tls_error(err, what) from err
        except urllib3.exceptions.HTTPError as err:
            raise unavailable(what, _reason(err)) from err
        deadline = started + self.settings.timeout
        try:
            status, data = response.status, _read_with_deadline(response, deadline)
        except TimeoutError as err:
            raise unavailable(
                what, f"no complete answer within {self.settings.timeout:g}s"
            ) from err
        except urllib3.exceptions.HTTPError as err:
            raise unavailable(what, _reason(err)) from err
        finally:
            response.release_conn()
        if not 200 <= status <= 299:
            raise error_for_status(status, data, what)
        return json_answer(data, what, status)

    def _api_error(self, err, what):
        if not err.status:
            # The 36.x client reports a TLS failure as a status-less error.
            if "SSL" in str(err.reason):
                return self._tls_error(err.reason, what)
            return unavailable(what, str(err.reason).splitlines()[0])
        return error_for_status(err.status, err.body, what)

    def _tls_error(self, err, what):
        return ConfigurationError(
            f"The TLS certificate of the cluster was not accepted for {what}; check "
            "the CA certificate or the TLS verification setting: "
            f"{str(err).splitlines()[0]}"
        )

    # Transport

    def apply(self, obj, field_manager=None):
        metadata = obj["metadata"]
        info = resource_info(obj["apiVersion"], obj["kind"])
        what = "{}/{}".format(info.kind, metadata["name"])
        args = [metadata["name"]]
        if info.namespaced:
            args.append(metadata.get("namespace"))
        _logger.debug("apply %s in %s", what, metadata.get("namespace"))
        return self._call(
            what,
            self._method("patch", info),
            *args,
            obj,
            field_manager=field_manager or self.settings.field_manager,
            force=True,
            _content_type=APPLY_CONTENT_TYPE,
        )

    def get(self, api_version, kind, namespace, name):
        info = resource_info(api_version, kind)
        args = [name, namespace] if info.namespaced else [name]
        try:
            return self._call(f"{kind}/{name}", self._method("read", info), *args)
        except NotFoundError:
            return None

    def list(self, api_version, kind, namespace, labels):
        info = resource_info(api_version, kind)
        args = [namespace] if info.namespaced else []
        kwargs = {"label_selector": label_selector(labels)} if labels else {}
        answer = self._call(
            f"the list of {info.plural}",
            self._method("list", info),
            *args,
            **kwargs,
        )
        return filter_by_labels(answer.get("items"), labels, api_version, kind)

    def delete(self, api_version, kind, namespace, name):
        info = resource_info(api_version, kind)
        args = [name, namespace] if info.namespaced else [name]
        try:
            self._call(
                f"{kind}/{name}",
                self._method("delete", info),
                *args,
                propagation_policy="Background",
            )
        except NotFoundError:
            _logger.debug("%s/%s was already gone", kind, name)

    def version(self):
        api = client.VersionApi(self._client)
        method = functools.partial(api.get_code, _preload_content=False)
        return self._call("the version request", method)


def _read_with_deadline(response, deadline):
    """Return the whole body of the urllib3 ``response``, read before the
    ``time.monotonic()`` value ``deadline``; raise :class:`TimeoutError` when
    it is not.

    A timer shuts the connection's socket down at the deadline, which ends a
    read that is waiting; the connection is then closed rather than reused.
    """
    sock = _socket_of(response)
    if sock is None:
        return response.data
    cut = threading.Event()

    def shut_down():
        cut.set()
        # A socket already closed has ended the read anyway.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(deadline - time.monotonic(), 0), shut_down)
    timer.daemon = True
    timer.start()
    try:
        data = response.data
    except (urllib3.exceptions.HTTPError, OSError):
        if not cut.is_set():
            raise
    finally:
        timer.cancel()
    if cut.is_set():
        # Without a length, a shut-down socket reads as the end of the body:
        # what was read may be cut short even when no error was raised.
        response.close()
        raise TimeoutError("the answer did not end before the deadline")
    return data


def _socket_of(response):
    """Return the socket a urllib3 response reads from, or None.

    The connection keeps it while it stays open for the next call; when the
    server closes after the answer, only the body's file still holds it.
    """
    sock = getattr(getattr(response, "_connection", None), "sock", None)
    if sock is None:
        body_file = getattr(getattr(response, "_fp", None), "fp", None)
        sock = getattr(getattr(body_file, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _reason(err):
    """Return the first line of a connection error, without the URL noise."""
    reason = getattr(err, "reason", None) or err
    return str(reason).splitlines()[0][:300]
