"""Benchmark of the manifest renderer: time per expression by template size.

Not a test (pytest does not collect it). Renders a ConfigMap template of N
expressions for several N and prints milliseconds per render and
microseconds per expression; a time per expression that stays flat as N
grows says rendering is linear in the template's size. Then it renders the
shipped manifests of ``kubernetes_base`` and prints milliseconds per app::

    python3 tests/bench_render.py
"""

import argparse
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The benchmark runs as a script: the path must hold tests/ before these imports.
import conftest  # noqa: F401, E402 - makes the addons importable
from test_manifests import make_values, shipped_manifests  # noqa: E402

from odoo.addons.kubernetes_base.lib import render  # noqa: E402


def config_map_template(size):
    """Return a ConfigMap template holding ``size`` expressions."""
    body = "".join(
        f"  k{index}: {{{{ app.name ~ '-{index}' }}}}\n" for index in range(size)
    )
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n" + body


def best_of(repeat, function):
    """Return the shortest and the median of ``repeat`` runs of ``function``,
    in seconds."""
    timings = []
    for _run in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    values = make_values()

    print(f"{'expressions':>11} {'ms per render':>14} {'us per expression':>18}")
    for size in (100, 1000, 4000, 8000):
        manifests = [("big.yaml", config_map_template(size))]
        render.validate_template(manifests[0][1], "big.yaml")
        best, _median = best_of(
            args.repeat, lambda m=manifests: render.render_objects(m, values)
        )
        print(f"{size:>11} {best * 1000:>14.2f} {best * 1e6 / size:>18.2f}")

    manifests = shipped_manifests()
    best, median = best_of(
        args.repeat * 20, lambda: render.render_objects(manifests, values)
    )
    print(
        f"shipped manifests: {best * 1000:.2f} ms per app (median {median * 1000:.2f})"
    )


if __name__ == "__main__":
    main()
