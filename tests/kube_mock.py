"""A Kubernetes API over HTTP for the backend tests: kmock, run in a thread.

`kmock <https://pypi.org/project/kmock/>`_ 0.8 is a real aiohttp server with
a stateful in-memory Kubernetes emulator. The backends under test are
blocking clients, so :class:`KubeMock` runs the emulator in its own thread and
event loop and offers a small blocking API to start it, look at what it
received and change what it holds. Its state is only touched on that loop.

:class:`KubeEmulator` closes the few gaps of kmock 0.8 that the backends run
into, and nothing more:

- cluster-scoped Namespace paths (``/api/v1/namespaces[/name]``), which
  kmock's path parser reads as a namespace prefix (see :func:`parse_path`);
- server-side apply (``Content-Type: application/apply-patch+yaml``) of a
  missing object creates it, as the real API server does, instead of 404;
- ``labelSelector`` on lists (equality and existence terms);
- ``uid``, ``creationTimestamp``, ``resourceVersion`` (changed only when the
  object changes) and ``generation`` (changed only when ``spec`` changes);
- optionally, a Deployment and StatefulSet ``status`` that reads as rolled
  out, as if controllers ran (``auto_rollout``);
- ``/version/`` with a trailing slash, as both clients ask for it, answering
  a Kubernetes release kr8s supports.

The backends send nothing else: server-side apply (``PATCH``), ``GET`` of an
object or a list, ``DELETE`` and the version. Other gaps of kmock (``PUT``,
discovery under ``/api/`` and ``/apis/``) are left open, as no backend meets
them.

Server-side apply itself stays kmock's merge patch: dicts merge, lists and
scalars replace, ``null`` removes a key; field ownership is not emulated.

Run as a script, it serves the emulator until interrupted and prints its URL
(the benchmark uses it in a separate process); there, ``GET /_mock/requests``
tells how many requests it received and ``DELETE /_mock/objects`` empties
it::

    python3 tests/kube_mock.py --port 0
"""

import argparse
import asyncio
import copy
import datetime
import gzip
import importlib.resources
import itertools
import re
import sys
import threading
import uuid

import attrs
import kmock
from kmock._internal import enums, parsing

APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")

# Path parsing ----------------------------------------------------------------

_NAMESPACE_PATH = re.compile(r"/api/v1/namespaces(?:/(?P<name>[^/]+))?/?")
_kmock_parse_path = parsing.parse_path


def parse_path(path):
    """kmock's path parser, reading ``/api/v1/namespaces[/name]`` as the
    cluster-scoped ``namespaces`` resource instead of a namespace prefix.

    kmock 0.8 answers 500 for ``/api/v1/namespaces`` (the parser fails) and
    stores ``/api/v1/namespaces/name`` under no resource at all. Paths inside
    a namespace (``/api/v1/namespaces/ns/configmaps``) are left to kmock.
    """
    match = _NAMESPACE_PATH.fullmatch(path)
    if match is None:
        return _kmock_parse_path(path)
    return parsing.ParsedPath(
        group="", version="v1", plural="namespaces", name=match["name"]
    )


# kmock's request parser looks the function up on its module at each request;
# the replacement only differs on the two paths above.
parsing.parse_path = parse_path


# Selectors -------------------------------------------------------------------

_TERM = re.compile(
    r"\s*(?P<neg>!)?\s*(?P<key>[^=!\s]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[^,]*?))?\s*"
)


def match_selector(labels, selector):
    """Tell whether ``labels`` match a label selector made of equality
    (``k=v``, ``k==v``, ``k!=v``) and existence (``k``, ``!k``) terms."""
    if not selector:
        return True
    labels = labels or {}
    for term in selector.split(","):
        match = _TERM.fullmatch(term)
        if match is None:
            raise ValueError(f"Unsupported label selector term: {term!r}")
        key, op, value = match["key"], match["op"], match["value"]
        if match["neg"]:
            if key in labels:
                return False
        elif op in ("=", "=="):
            if labels.get(key) != value:
                return False
        elif op == "!=":
            if labels.get(key) == value:
                return False
        elif key not in labels:
            return False
    return True


# Helpers ---------------------------------------------------------------------


def _comparable(obj):
    """The object without the fields the server itself maintains."""
    obj = copy.deepcopy(dict(obj))
    obj.pop("status", None)
    metadata = obj.get("metadata") or {}
    for field in ("resourceVersion", "managedFields", "generation"):
        metadata.pop(field, None)
    return obj


def rolled_out_status(obj):
    """A status that ``kubectl rollout status`` reads as complete."""
    metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    replicas = spec.get("replicas", 1)
    status = {
        "observedGeneration": metadata.get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    }
    if obj.get("kind") == "StatefulSet":
        revision = "{}-{}".format(metadata.get("name"), metadata.get("generation", 1))
        status.update(currentReplicas=replicas, currentRevision=revision)
        status["updateRevision"] = revision
    else:
        status["conditions"] = [
            {"type": "Available", "status": "True"},
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
            },
        ]
    return status


# The emulator ----------------------------------------------------------------


@attrs.define(kw_only=True)
class KubeEmulator(kmock.KubernetesEmulator):
    """kmock's Kubernetes emulator with the gaps of the module doc closed."""

    #: Give Deployments and StatefulSets a rolled-out status on every write.
    auto_rollout: bool = True
    #: What ``/version`` reports.
    git_version: str = "v1.33.1"

    #: Every request received, in order (kmock's own list is kept short).
    received: list = attrs.field(factory=list, init=False)
    _versions: itertools.count = attrs.field(factory=lambda: itertools.count(1))

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        # kmock's own load_bundled() uses a deprecated importlib call.
        bundled = importlib.resources.files("kmock._internal") / "resources.json.gz"
        self.resources.load_data(gzip.decompress(bundled.read_bytes()))
        self.fallback["get /version/"] << self._serve_server_version

    async def _serve_server_version(self, request):
        major, minor = self.git_version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self.git_version,
            "platform": "linux/amd64",
        }

    # Writes

    async def _handle(self, request):
        original = request
        if (
            request.resource is not None
            and request.name is not None
            and request.method == enums.method.PATCH
            and self._is_apply(request)
        ):
            request = await self._prepare_apply(request)
        # kmock routes a request to a reaction only if it is the very object
        # it recorded, and finds it by walking every request recorded so far:
        # its list holds the requests in flight only (the rewritten one, if
        # any), the full log is kept in ``received``.
        index = next(i for i, item in enumerate(self._requests) if item is original)
        self._requests[index] = request
        self.received.append(request)
        try:
            return await super()._handle(request)
        finally:
            self._requests.remove(request)

    @staticmethod
    def _is_apply(request):
        content_type = request.headers.get("Content-Type", "")
        return content_type.split(";")[0].strip() == APPLY_CONTENT_TYPE

    def _live(self, request):
        key = (request.resource, request.namespace, request.name)
        if key not in self._objects or self._objects[key].deleted:
            return None
        return self._objects[key]

    async def _prepare_apply(self, request):
        """Turn the apply of a missing object into its creation."""
        async with self._lock:
            missing = self._live(request) is None
        if missing:
            return attrs.evolve(request, action=enums.action.CREATE)
        return request

    async def _serve_create(self, request):
        await self._settle(request)
        return await super()._serve_create(request)

    async def _serve_update(self, request):
        await self._settle(request)
        return await super()._serve_update(request)

    async def _settle(self, request):
        """Set the fields the API server and controllers maintain on the
        object just written."""
        data = request.data or {}
        name = request.name or (data.get("metadata") or {}).get("name")
        namespace = request.namespace or (data.get("metadata") or {}).get("namespace")
        key = (request.resource, namespace, name)
        async with self._lock:
            if key not in self._objects or self._objects[key].deleted:
                return
            history = self._objects[key].history
            current = copy.deepcopy(history[-1].raw)
            previous = history[-2].raw if len(history) > 1 and history[-2] else None
            metadata = current.setdefault("metadata", {})
            if previous is None:
                metadata["uid"] = str(uuid.uuid4())
                metadata["creationTimestamp"] = datetime.datetime.now(
                    datetime.timezone.utc
                ).strftime("%Y-%m-%dT%H:%M:%SZ")
                metadata["generation"] = 1
                metadata["resourceVersion"] = str(next(self._versions))
            else:
                before = previous.get("metadata") or {}
                metadata["generation"] = before.get("generation", 1)
                metadata["resourceVersion"] = before.get("resourceVersion")
                if current.get("spec") != previous.get("spec"):
                    metadata["generation"] += 1
                if _comparable(current) != _comparable(previous):
                    metadata["resourceVersion"] = str(next(self._versions))
            if self.auto_rollout and current.get("kind") in WORKLOAD_KINDS:
                current["status"] = rolled_out_status(current)
            history[-1] = current

    # Reads

    async def _serve_list(self, request):
        result = await super()._serve_list(request)
        selector = request.params.get("labelSelector")
        if selector:
            try:
                result["items"] = [
                    item
                    for item in result["items"]
                    if match_selector(
                        (item.get("metadata") or {}).get("labels"), selector
                    )
                ]
            except ValueError as err:
                raise kmock.KubernetesError(
                    status=400, reason="BadRequest", message=str(err)
                ) from err
        return result

    # Access for tests (on the loop)

    def resource_of(self, api_version, kind):
        """Return the kmock resource of a kind, from the bundled discovery."""
        group, _, version = api_version.rpartition("/")
        for resource in self.resources:
            if (resource.group, resource.version) != (group, version):
                continue
            if self.resources[resource].kind == kind:
                return resource
        raise KeyError(f"{api_version} {kind} is not a known resource")


# The blocking harness --------------------------------------------------------


@attrs.frozen
class Recorded:
    """One request the mock received, as plain values."""

    method: str
    path: str
    params: dict
    headers: dict
    data: object


class KubeMock:
    """A :class:`KubeEmulator` served on 127.0.0.1 from its own thread.

    Use it as a context manager or call :meth:`start` and :meth:`stop`.
    Every other method runs on the mock's loop and returns plain copies.
    """

    def __init__(self, port=0, **options):
        self.port = port
        self.options = options
        self.emulator = None
        self._loop = None
        self._thread = None
        self._server = None
        self._stopped = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        return str(self._server.url).rstrip("/")

    def start(self):
        """Start the loop thread and the server; return once it listens."""
        self._loop = asyncio.new_event_loop()
        started = self._loop.create_future()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="kube-mock", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._wait(started), self._loop).result(30)

    @staticmethod
    async def _wait(future):
        return await future

    def _run(self, started):
        asyncio.set_event_loop(self._loop)
        self._stopped = asyncio.Event()
        self._loop.run_until_complete(self._serve(started))
        self._loop.close()

    async def _serve(self, started):
        try:
            self.emulator = KubeEmulator(**self.options)
            async with (
                self.emulator,
                kmock.Server(self.emulator, port=self.port) as server,
            ):
                self._server = server
                started.set_result(True)
                await self._stopped.wait()
        except Exception as err:
            if not started.done():
                started.set_exception(err)
            raise

    def stop(self):
        """Stop the server and its thread."""
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(30)
        self._thread = None

    def call(self, function, *args):
        """Run ``function(emulator, *args)`` on the mock's loop and return its
        result; a coroutine function is awaited."""

        async def run():
            result = function(self.emulator, *args)
            if asyncio.iscoroutine(result):
                result = await result
            return copy.deepcopy(result)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(30)

    # What it received

    def requests(self):
        """Return the :class:`Recorded` requests since the start or reset."""

        def collect(emulator):
            return [
                Recorded(
                    method=str(request.method.value),
                    path=request.url.path,
                    params=dict(request.params),
                    headers=dict(request.headers),
                    data=request.data,
                )
                for request in emulator.received
            ]

        return self.call(collect)

    def reset(self):
        """Forget every object and request; back to auto rollout."""

        def clear(emulator):
            emulator.objects.clear()
            emulator.received.clear()
            emulator.auto_rollout = True

        self.call(clear)

    def reset_requests(self):
        """Forget the requests received so far, keeping the objects."""

        def clear(emulator):
            emulator.received.clear()

        self.call(clear)

    def set_auto_rollout(self, value):
        """Turn the simulated controllers' rolled-out status on or off."""

        def set_value(emulator):
            emulator.auto_rollout = value

        self.call(set_value)

    # What it holds

    def get(self, api_version, kind, namespace, name):
        """Return the stored object, or None."""

        def fetch(emulator):
            key = (emulator.resource_of(api_version, kind), namespace, name)
            if key not in emulator.objects or emulator.objects[key].deleted:
                return None
            return emulator.objects[key].raw

        return self.call(fetch)

    def names(self, api_version, kind, namespace=None):
        """Return the sorted names of the stored objects of a kind."""

        def collect(emulator):
            resource = emulator.resource_of(api_version, kind)
            return sorted(
                name
                for (res, ns, name), obj in emulator.objects.items()
                if res == resource and not obj.deleted
                if namespace is None or ns == namespace
            )

        return self.call(collect)

    def put(self, obj):
        """Store ``obj`` as it is (e.g. a Pod a controller would create)."""

        def store(emulator):
            metadata = obj["metadata"]
            resource = emulator.resource_of(obj["apiVersion"], obj["kind"])
            key = (resource, metadata.get("namespace"), metadata["name"])
            emulator.objects[key] = copy.deepcopy(obj)

        self.call(store)

    def set_status(self, api_version, kind, namespace, name, status):
        """Replace the ``status`` of a stored object, as a controller would."""

        def update(emulator):
            key = (emulator.resource_of(api_version, kind), namespace, name)
            emulator.objects[key]["status"] = copy.deepcopy(status)

        self.call(update)


def _add_controls(emulator):
    """Answer ``GET /_mock/requests`` with the number of requests received
    (that one included) and empty the cluster on ``DELETE /_mock/objects``,
    for a client in another process."""

    def forget(request):
        emulator.objects.clear()
        return {"count": 0}

    emulator["get /_mock/requests"] << (
        lambda request: {"count": len(emulator.received)}
    )
    emulator["delete /_mock/objects"] << forget


def main(argv=None):
    """Serve the emulator until interrupted; print its URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with KubeMock(port=args.port) as mock:
        mock.call(_add_controls)
        print(mock.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.exit(main())
