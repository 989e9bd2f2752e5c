"""`python -m bench [name [options]]`: run every benchmark, or one with its own options.

python -m bench                       # all, with their default sizes
python -m bench whole --events 10000000 --format parquet
python -m bench whole --events 1000000 --format parquet
python -m bench engines --persons 20000 --days 28
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "ga4_ingest": "bench.ga4_ingest",  # our arrow+parquet GA4 load vs dlt's default insert_values
    "identity": "bench.identity",  # stitching >= 5M edges vs scipy connected_components
    "whole": "bench.whole",  # the whole `microfunnel run` stage by stage at 1M+ events, with its peers
    "engines": "bench.engines",  # DuckDB vs Spark (local mode): one run each on one world, marts compared
}


def main(argv: list[str]) -> int:
    if argv and argv[0] not in BENCHMARKS:
        print(f"unknown benchmark {argv[0]!r}; choose from {sorted(BENCHMARKS)}", file=sys.stderr)
        return 2
    runs = [(argv[0], argv[1:])] if argv else [(name, []) for name in BENCHMARKS]
    failed = 0
    for name, options in runs:
        print(f"\n=== bench {name} ===", flush=True)
        failed |= importlib.import_module(BENCHMARKS[name]).main(options) or 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
