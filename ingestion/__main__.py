"""`python -m ingestion <source> [--key value ...]`: load one source into the warehouse."""

from __future__ import annotations

import argparse
import os
import sys

from ingestion.pipelines import run_source
from ingestion.registry import REGISTERED
from microfunnel.settings import INGESTION_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description=__doc__)
    parser.add_argument("source", choices=REGISTERED)
    args, extra = parser.parse_known_args(argv)
    kwargs = dict(zip([k.lstrip("-").replace("-", "_") for k in extra[::2]], extra[1::2], strict=True))
    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    info = run_source(args.source, **kwargs)
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
