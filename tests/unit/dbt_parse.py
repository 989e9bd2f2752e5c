"""Parsing the dbt project with given vars into a temp target (used by the source-combination tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from microfunnel.settings import DBT_PROJECT_DIR


def parse(tmp_path: Path, variables: dict) -> dict:
    dbt = str(Path(sys.executable).with_name("dbt"))
    completed = subprocess.run(
        [
            dbt,
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            json.dumps(variables),
        ],
        env={**os.environ, "WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads((tmp_path / "target" / "manifest.json").read_text())
