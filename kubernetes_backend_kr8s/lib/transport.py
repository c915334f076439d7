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
mapped here. The client is built without kr8s' factory, which would ask the
server for its version first (one more request per operation, and a refused
one resent three times): building it reads the kubeconfig dict and sends
nothing.

The proxy is decided by
:func:`~odoo.addons.kubernetes_base.lib.cluster.proxy_for`, the rule every
backend follows, and given to kr8s as the kubeconfig's ``proxy-url``; the
HTTP session reads nothing from the environment itself (``httpx`` would
apply proxy variables by rules of its own). Each call, connecting and reading
the whole answer included, is bounded by the settings' timeout
(``asyncio.wait_for``), not only each wait on the socket.

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


class _Api(kr8s.asyncio.Api):
    """kr8s' asynchronous client whose HTTP session ignores the environment
    (proxy variables, ``SSL_CERT_FILE``, ``.netrc``): only the kubeconfig
    dict of the transport counts."""

    async def _create_session(self):
        # kr8s' own session, as kr8s 0.20 builds it, with trust_env off.
        headers = {"User-Agent": self.__version__, "content-type": "application/json"}
        if self.auth.token:
            headers["Authorization"] = f"Bearer {self.auth.token}"
        if self._session:
            await self._session.aclose()
            self._session = None
        self._session = httpx.AsyncClient(
            base_url=self.auth.server,
            headers=headers,
            verify=await self.auth.ssl_context(),
            timeout=self._timeout,
            follow_redirects=True,
            proxy=self.auth.proxy,
            trust_env=False,
        )


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
        proxy = proxy_for(cluster["server"])
        if proxy:
            cluster["proxy-url"] = proxy
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

        Built without kr8s' factory and its version check: this reads the
        kubeconfig dict and sends no request.
        """
        if self._api is None:
            api = _Api(bypass_factory=True, kubeconfig=self.kubeconfig())
            try:
                await api.auth
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
        timeout = self.settings.timeout
        try:
            status, content = await asyncio.wait_for(
                self._asend(method, version, namespace, url, **kwargs), timeout
            )
        except (asyncio.TimeoutError, kr8s.APITimeoutError) as err:
            raise unavailable(what, f"no complete answer within {timeout}s") from err
        except httpx.TransportError as err:
            raise _transport_error(err, what) from err
        except (ssl.SSLError, FileNotFoundError, PermissionError) as err:
            # kr8s loads the CA file when it opens its session, outside the
            # error types of httpx.
            raise ConfigurationError(
                f"The TLS settings of the cluster could not be loaded for {what}; "
                f"check the CA certificate: {err}"
            ) from err
        if not 200 <= status <= 299:
            raise error_for_status(status, content, what)
        return json_answer(content, what, status)

    async def _asend(self, method, version, namespace, url, **kwargs):
        """Send one request with kr8s; return ``(status, content)``."""
        api = await self._get_api()
        base = "/version" if version is None else ""
        async with api.call_api(
            method,
            version="" if version is None else version,
            base=base,
            namespace=namespace,
            url=url,
            raise_for_status=False,
            **kwargs,
        ) as response:
            return response.status_code, response.content

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


def _is_tls_failure(err):
    """Tell whether a connection error comes from certificate verification."""
    causes = (err.__cause__, err.__context__)
    return any(isinstance(cause, ssl.SSLError) for cause in causes) or (
        "CERTIFICATE_VERIFY_FAILED" in str(err)
    )
