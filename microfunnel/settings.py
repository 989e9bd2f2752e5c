"""The project's paths and knobs, read from the environment in exactly one place.

Everything that needs the warehouse path or the conversions catalog (dlt pipelines, dbt's
profile, Dagster resources, the CLI) asks `load_settings()` instead of reading env vars itself,
so a user changes `WAREHOUSE_PATH` once and every layer follows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
INGESTION_DIR = PROJECT_ROOT / "ingestion"


@dataclass(frozen=True)
class Settings:
    """Resolved paths; relative env values are taken relative to the project root."""

    warehouse_path: Path
    serving_path: Path
    conversions_config: Path
    sandbox_dir: Path

    def dbt_env(self) -> dict[str, str]:
        """The variables `dbt_project/profiles.yml` reads with `env_var()`."""
        return {
            "WAREHOUSE_PATH": str(self.warehouse_path),
            "CONVERSIONS_CONFIG": str(self.conversions_config),
        }


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(env.get(name) or default).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read WAREHOUSE_PATH, SERVING_PATH, CONVERSIONS_CONFIG and SANDBOX_DIR (all optional)."""
    env = os.environ if env is None else env
    warehouse = _path(env, "WAREHOUSE_PATH", "data/warehouse.duckdb")
    return Settings(
        warehouse_path=warehouse,
        serving_path=_path(env, "SERVING_PATH", str(warehouse.with_name("serving.duckdb"))),
        conversions_config=_path(env, "CONVERSIONS_CONFIG", "conversions.yml"),
        sandbox_dir=_path(env, "SANDBOX_DIR", "data/sandbox"),
    )
