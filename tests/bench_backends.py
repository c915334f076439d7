"""Benchmark of the two deploy backends against the same mock Kubernetes API.

Not a test (pytest does not collect it). It starts the mock API of
:mod:`kube_mock` in a separate process, so that its own work and memory stay
out of the figures, renders N apps from the shipped manifests, then for each
backend deploys every app once and applies every app again, each operation
on a new transport as the deployers do; the mock is emptied before each
backend. It prints, per backend: requests per app and milliseconds per app
for the deploy and the re-apply; then the peak of the Python heap during a
deploy and a re-apply of all apps, as ``tracemalloc`` traces it (the memory
Python objects take, not the process's resident memory: what C libraries
such as OpenSSL allocate is not counted), in passes of their own after the
mock is emptied again, as tracing slows the timed ones down; then the ratio
between the backends::

    python3 tests/bench_backends.py --apps 200
"""

import argparse
import json
import pathlib
import subprocess
import sys
import time
import tracemalloc
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The benchmark runs as a script: the path must hold tests/ before these imports.
import conftest  # noqa: F401, E402 - makes the addons importable
from kube_backends import TRANSPORTS, app_objects, settings  # noqa: E402

from odoo.addons.kubernetes_base.lib.cluster import AppOperations  # noqa: E402


def start_mock():
    """Start the mock API in its own process; return ``(process, url)``."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "kube_mock", "--port", "0"],
        cwd=HERE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip()


_ASKED = []


def request_count(url):
    """Return the requests the mock received, not counting these questions."""
    _ASKED.append(url)
    with urllib.request.urlopen(url + "/_mock/requests", timeout=10) as response:
        return json.loads(response.read())["count"] - len(_ASKED)


def forget_objects(url):
    """Empty the mock cluster, so that each backend meets the same one."""
    _ASKED.append(url)
    request = urllib.request.Request(url + "/_mock/objects", method="DELETE")
    with urllib.request.urlopen(request, timeout=10):
        pass


def apply_all(transport_class, url, apps):
    """Apply every app, each on a new transport; return the seconds taken."""
    started = time.perf_counter()
    for objects in apps:
        transport = transport_class(settings(url, timeout=30.0))
        try:
            AppOperations(transport).apply(objects)
        finally:
            transport.close()
    return time.perf_counter() - started


def measure(name, url, count):
    """Deploy and re-apply ``count`` apps with backend ``name``."""
    transport_class = TRANSPORTS[name]
    apps = [
        app_objects(f"app{index}", namespace=f"bench-{name}-{index % 20}")
        for index in range(count)
    ]
    forget_objects(url)
    before = request_count(url)
    deploy = apply_all(transport_class, url, apps)
    deployed = request_count(url)
    reapply = apply_all(transport_class, url, apps)
    reapplied = request_count(url)

    forget_objects(url)
    deploy_heap = traced_peak(transport_class, url, apps)
    reapply_heap = traced_peak(transport_class, url, apps)

    return {
        "backend": name,
        "deploy_requests": (deployed - before) / count,
        "reapply_requests": (reapplied - deployed) / count,
        "deploy_ms": deploy * 1000 / count,
        "reapply_ms": reapply * 1000 / count,
        "deploy_heap_kib": deploy_heap / 1024,
        "reapply_heap_kib": reapply_heap / 1024,
    }


def traced_peak(transport_class, url, apps):
    """Apply every app with ``tracemalloc`` on; return the peak bytes of the
    Python heap it traced during the pass."""
    tracemalloc.start()
    try:
        apply_all(transport_class, url, apps)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def report(results, count):
    print(f"{count} apps, one transport per operation, same mock API")
    print("heap: peak KiB of the Python heap (tracemalloc) during an untimed pass")
    columns = (
        "req/deploy",
        "req/reapply",
        "ms/deploy",
        "ms/reapply",
        "heap/deploy",
        "heap/reapply",
    )
    header = f"{'backend':<8}" + "".join(f" {column:>12}" for column in columns)
    print(header)
    print("-" * len(header))
    for row in results:
        print(
            f"{row['backend']:<8} {row['deploy_requests']:>12.1f} "
            f"{row['reapply_requests']:>12.1f} {row['deploy_ms']:>12.2f} "
            f"{row['reapply_ms']:>12.2f} {row['deploy_heap_kib']:>12.0f} "
            f"{row['reapply_heap_kib']:>12.0f}"
        )
    if len(results) == 2:
        first, second = results
        print(
            "ratio {}/{}: requests {:.2f}, time deploy {:.2f}, time re-apply {:.2f}, "
            "heap deploy {:.2f}, heap re-apply {:.2f}".format(
                second["backend"],
                first["backend"],
                second["deploy_requests"] / first["deploy_requests"],
                second["deploy_ms"] / first["deploy_ms"],
                second["reapply_ms"] / first["reapply_ms"],
                second["deploy_heap_kib"] / first["deploy_heap_kib"],
                second["reapply_heap_kib"] / first["reapply_heap_kib"],
            )
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=200, help="apps per backend")
    parser.add_argument(
        "--backends", default="api,kr8s", help="comma-separated: api, kr8s"
    )
    args = parser.parse_args(argv)
    process, url = start_mock()
    try:
        results = [measure(name, url, args.apps) for name in args.backends.split(",")]
    finally:
        process.terminate()
        process.wait(10)
    report(results, args.apps)


if __name__ == "__main__":
    main()
