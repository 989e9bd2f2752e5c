"""`python -m tests.support.import_graph`: the arrows between the project's layers, counted.

The layers' rules live in pyproject.toml ([tool.importlinter], checked by `make lint` and
tests/unit/test_layers.py); this prints what the code actually imports, so a reviewer can see
the graph, not only whether it passes. `ingestion` is split into its sources and its pipelines.
"""

from __future__ import annotations

import sys
from collections import Counter

import grimp

LAYERS = ("commands", "orchestration", "sandbox", "ingestion", "microfunnel")


def layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ingestion" else parts[0]


def arrows(packages: tuple[str, ...] = LAYERS) -> Counter:
    graph = grimp.build_graph(*packages, cache_dir=None)
    counted: Counter = Counter()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if layer(module) != layer(imported):
                counted[(layer(module), layer(imported))] += 1
    return counted


def main(argv: list[str]) -> int:
    for (source, target), count in sorted(arrows(tuple(argv) or LAYERS).items()):
        print(f"{source:24} -> {target:24} {count:3} imports")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
