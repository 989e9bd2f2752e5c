"""`python -m bench [name ...]`: run the named benchmarks (default: all), one after another."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "ga4_ingest": "bench.ga4_ingest",  # our arrow+parquet GA4 load vs dlt's default insert_values
    "identity": "bench.identity",  # stitching >= 5M edges vs scipy connected_components
    "funnels": "bench.funnels",  # a 5-step funnel over >= 10M events vs chDB windowFunnel and pandas
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        failed |= importlib.import_module(BENCHMARKS[name]).main([]) or 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
