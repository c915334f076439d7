"""A :class:`Transport` on `kr8s <https://kr8s.org>`_.

One :class:`Kr8sTransport` is one company's connection. kr8s takes no token
argument, and ``kr8s.api(url=...)`` would still read ``KUBECONFIG`` or
``~/.kube/config`` and send that file's token: the transport hands kr8s a
whole kubeconfig *dict* built from :class:`ClusterSettings` instead, so no
file of the machine is read. The CA goes into a private file removed on
:meth:`Kr8sTransport.close` (kr8s would write ``certificate-authority-data``
to a temporary file and never remove it).

kr8s has no server-side apply of its own; the transport sends it through
``Api.call_api("PATCH", ...)`` with the apply-patch content type, the field
manager and ``force``. Reads, lists and deletes use ``call_api`` too, so each
is exactly one request; kr8s is asked not to raise on HTTP errors (it would
re-authenticate and resend a refused request three times) and the status is
mapped here.

**Threads and forks.** kr8s' synchronous API runs every call on one
background event-loop thread per process; a process forked after using it
(Odoo's prefork workers) inherits that loop without its thread, and every
call then hangs. This transport uses kr8s' asyncio API on an event loop of
its own, driven in the calling thread, so no thread is left behind: the
deployers build one transport per operation, and a transport refuses to run
in a process other than the one that built it. kr8s caches its clients per
thread and event loop; each transport uses a context name of its own, so it
never gets another's cached client, and drops its loop's cache entry on
:meth:`Kr8sTransport.close`.
"""

import asyncio
import json
import logging
import os
import ssl
import threading
import uuid
import weakref

import httpx
import kr8s
import kr8s.asyncio

from odoo.addons.kubernetes_base.lib.cluster import (
    APPLY_CONTENT_TYPE,
    Transport,
    error_for_status,
    filter_by_labels,
    label_selector,
    resource_info,
    unavailable,
    write_ca_file,
)
from odoo.addons.kubernetes_base.lib.exceptions import (
    ConfigurationError,
    NotFoundError,
)

_logger = logging.getLogger(__name__)


def _close_loop(loop):
    if not loop.is_closed() and not loop.is_running():
        loop.close()


class Kr8sTransport(Transport):
    """Talks to one cluster with kr8s, for one company."""

    def __init__(self, settings):
        if not settings.url:
            raise ConfigurationError("The Kubernetes API URL is not set.")
        self.settings = settings
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._context = f"odoo-{uuid.uuid4().hex}"
        self._ca_file = None
        self._cleanup_ca = None
        self._api = None
        self._loop = asyncio.new_event_loop()
        self._cleanup_loop = weakref.finalize(self, _close_loop, self._loop)

    def kubeconfig(self):
        """Return the kubeconfig dict kr8s gets: the settings, nothing else."""
        settings = self.settings
        cluster = {"server": settings.url.rstrip("/")}
        if not settings.verify_tls:
            cluster["insecure-skip-tls-verify"] = True
        elif settings.ca_cert:
            cluster["certificate-authority"] = self._write_ca(settings.ca_cert)
        user = {"token": settings.token} if settings.token else {}
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": self._context, "cluster": cluster}],
            "users": [{"name": self._context, "user": user}],
            "contexts": [
                {
                    "name": self._context,
                    "context": {"cluster": self._context, "user": self._context},
                }
            ],
            "current-context": self._context,
        }

    def _write_ca(self, pem):
        if self._ca_file is None:
            self._ca_file, self._cleanup_ca = write_ca_file(self, pem)
        return self._ca_file

    # The event loop

    def _run(self, coroutine):
        """Run a coroutine to completion on the transport's own loop."""
        if os.getpid() != self._pid:
            coroutine.close()
            raise RuntimeError(
                "A Kr8sTransport cannot be used after fork(); build a new one."
            )
        with self._lock:
            if self._loop.is_closed():
                coroutine.close()
                raise RuntimeError("This Kr8sTransport is closed.")
            return self._loop.run_until_complete(coroutine)

    async def _get_api(self):
        """Return the kr8s client of this transport, built on first use.

        kr8s authenticates and asks the server for its version while building
        the client; that first answer is bounded and mapped like any call.
        """
        if self._api is None:
            what = "the connection"
            factory = kr8s.asyncio.api(kubeconfig=self.kubeconfig())
            try:
                api = await asyncio.wait_for(factory, self.settings.timeout)
            except (asyncio.TimeoutError, kr8s.APITimeoutError) as err:
                raise unavailable(
                    what, f"no answer within {self.settings.timeout}s"
                ) from err
            except kr8s.ServerError as err:
                raise _server_error(err, what) from err
            except httpx.TransportError as err:
                raise _transport_error(err, what) from err
            except ValueError as err:
                raise ConfigurationError(
                    f"kr8s refused the connection settings: {err}"
                ) from err
            api.timeout = self.settings.timeout
            self._api = api
        return self._api

    def close(self):
        if not self._loop.is_closed() and os.getpid() == self._pid:
            with self._lock:
                self._loop.run_until_complete(self._aclose())
                self._loop.run_until_complete(self._loop.shutdown_default_executor())
                self._forget_cached_api()
                self._loop.close()
        self._api = None
        if self._cleanup_ca is not None:
            self._cleanup_ca()

    async def _aclose(self):
        # kr8s keeps its HTTP session on a private attribute and has no close.
        session = getattr(self._api, "_session", None)
        if session is not None:
            await session.aclose()

    def _forget_cached_api(self):
        """Drop the entry kr8s keeps for this thread and loop, so a later
        loop reusing the same id finds nothing and the cache does not grow."""
        instances = getattr(kr8s.asyncio.Api, "_instances", None)
        if isinstance(instances, dict):
            key = f"{threading.get_ident()}.{id(self._loop)}"
            instances.pop(key, None)

    # Calls

    def _request(self, what, method, version, namespace=None, url="", **kwargs):
        """Send one request and return its decoded JSON answer; raise the
        :mod:`exceptions` type of any failure."""
        return self._run(
            self._arequest(what, method, version, namespace, url, **kwargs)
        )

    async def _arequest(self, what, method, version, namespace, url, **kwargs):
        api = await self._get_api()
        base = "/version" if version is None else ""
        try:
            async with api.call_api(
                method,
                version="" if version is None else version,
                base=base,
                namespace=namespace,
                url=url,
                raise_for_status=False,
                **kwargs,
            ) as response:
                status, content = response.status_code, response.content
        except kr8s.APITimeoutError as err:
            raise unavailable(
                what, f"no answer within {self.settings.timeout}s"
            ) from err
        except httpx.TransportError as err:
            raise _transport_error(err, what) from err
        if not 200 <= status <= 299:
            raise error_for_status(status, content, what)
        return json.loads(content) if content else {}

    @staticmethod
    def _where(info, namespace, name=None):
        """Return ``(version, namespace, url)`` for kr8s' ``call_api``."""
        url = info.plural if name is None else f"{info.plural}/{name}"
        return info.api_version, (namespace if info.namespaced else None), url

    # Transport

    def apply(self, obj, field_manager=None):
        metadata = obj["metadata"]
        info = resource_info(obj["apiVersion"], obj["kind"])
        version, namespace, url = self._where(
            info, metadata.get("namespace"), metadata["name"]
        )
        what = "{}/{}".format(info.kind, metadata["name"])
        _logger.debug("apply %s in %s", what, namespace)
        return self._request(
            what,
            "PATCH",
            version,
            namespace,
            url,
            content=json.dumps(obj),
            headers={"Content-Type": APPLY_CONTENT_TYPE},
            params={
                "fieldManager": field_manager or self.settings.field_manager,
                "force": "true",
            },
        )

    def get(self, api_version, kind, namespace, name):
        info = resource_info(api_version, kind)
        try:
            return self._request(
                f"{kind}/{name}", "GET", *self._where(info, namespace, name)
            )
        except NotFoundError:
            return None

    def list(self, api_version, kind, namespace, labels):
        info = resource_info(api_version, kind)
        params = {"labelSelector": label_selector(labels)} if labels else {}
        answer = self._request(
            f"the list of {info.plural}",
            "GET",
            *self._where(info, namespace),
            params=params,
        )
        return filter_by_labels(answer.get("items"), labels, api_version, kind)

    def delete(self, api_version, kind, namespace, name):
        info = resource_info(api_version, kind)
        try:
            self._request(
                f"{kind}/{name}",
                "DELETE",
                *self._where(info, namespace, name),
                params={"propagationPolicy": "Background"},
            )
        except NotFoundError:
            _logger.debug("%s/%s was already gone", kind, name)

    def version(self):
        return self._request("the version request", "GET", None)


def _transport_error(err, what):
    """Return the error for a request that got no HTTP answer."""
    if _is_tls_failure(err):
        return ConfigurationError(
            f"The TLS certificate of the cluster was not accepted for {what}; check "
            f"the CA certificate or the TLS verification setting: {err}"
        )
    return unavailable(what, str(err) or type(err).__name__)


def _server_error(err, what):
    """Return the error for an HTTP error answer kr8s raised itself."""
    response = getattr(err, "response", None)
    if response is None:
        return unavailable(what, str(err))
    return error_for_status(response.status_code, response.content, what)


def _is_tls_failure(err):
    """Tell whether a connection error comes from certificate verification."""
    causes = (err.__cause__, err.__context__)
    return any(isinstance(cause, ssl.SSLError) for cause in causes) or (
        "CERTIFICATE_VERIFY_FAILED" in str(err)
    )
