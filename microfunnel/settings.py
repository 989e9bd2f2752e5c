"""The project's paths and knobs, read from the environment in exactly one place.

Everything that needs the warehouse path or the conversions catalog (dlt pipelines, dbt's
profile, Dagster resources, the CLI) asks `load_settings()` instead of reading env vars itself,
so a user changes `WAREHOUSE_PATH` once and every layer follows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
    freshness: FreshnessThresholds = field(default_factory=lambda: FreshnessThresholds())
    first_export_day: date = date(2026, 10, 1)  # the first daily partition (the GA4 export's first day)
    duckdb_memory_limit: str = "80%"  # DuckDB's own default; beyond it DuckDB spills to the temp dir
    duckdb_temp_dir: Path | None = None  # None: DuckDB's default, `<warehouse file>.tmp`
    engine: str = "duckdb"  # MICROFUNNEL_ENGINE: what dbt builds on (duckdb, or spark: ENGINES)
    lake_path: Path | None = (
        None  # MICROFUNNEL_LAKE_PATH: spark's raw Parquet (None: data/lake beside the warehouse)
    )
    spark_warehouse: Path | None = None  # MICROFUNNEL_SPARK_WAREHOUSE: spark's tables and catalog

    @property
    def lake(self) -> Path:
        """Where dlt writes raw Parquet for Spark: <lake>/raw_<source>/<table>/*.parquet."""
        return self.lake_path or self.warehouse_path.parent / "lake"

    @property
    def logs_dir(self) -> Path:
        """The run's logs beside the warehouse: microfunnel-run.log, and on Spark dbt's stderr."""
        return self.warehouse_path.parent / "logs"

    @property
    def spark_tables(self) -> Path:
        """Spark's warehouse dir: <dir>/<schema>.db/<table>/*.parquet, and its catalog (metastore_db)."""
        return self.spark_warehouse or self.warehouse_path.parent / "spark"

    def dbt_env(self) -> dict[str, str]:
        """The variables `dbt_project/profiles.yml` reads with `env_var()`."""
        return {
            "WAREHOUSE_PATH": str(self.warehouse_path),
            "CONVERSIONS_CONFIG": str(self.conversions_config),
            "MICROFUNNEL_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "MICROFUNNEL_DUCKDB_TEMP_DIR": str(self.duckdb_temp_directory),
            "MICROFUNNEL_ENGINE": self.engine,
            "MICROFUNNEL_LAKE_PATH": str(self.lake),
            "MICROFUNNEL_SPARK_WAREHOUSE": str(self.spark_tables),
        }

    @property
    def duckdb_temp_directory(self) -> Path:
        return self.duckdb_temp_dir or Path(f"{self.warehouse_path}.tmp")

    def dlt_duckdb_config(self) -> dict[str, str | bool]:
        """What dlt sets on its warehouse connections: the memory limit, and no insertion order.

        Not the temp directory: dlt SETs its config again on a reopened connection, and DuckDB
        refuses a second SET of temp_directory once it has spilled there; dlt's loads spill to
        DuckDB's default (`<warehouse>.tmp`). dbt, which spills the most, opens its connection with
        both.

        `preserve_insertion_order` off lets DuckDB write a load's rows in parallel, in any order:
        the GA4 load of the demo world took 13.5 s instead of 19.0 s (DECISIONLOG). A raw table's
        row order means nothing (SQL gives none; every model orders what it needs)."""
        return {"memory_limit": self.duckdb_memory_limit, "preserve_insertion_order": False}


@dataclass(frozen=True)
class FreshnessThresholds:
    """How old the newest data of a raw table or mart may be before its freshness check warns / fails.

    Hours, measured from the newest record (the end of the newest day for day-grained tables) to
    `as_of` (now, unless MICROFUNNEL_FRESHNESS_AS_OF replays a past world such as the sandbox's).
    """

    warn_after_hours: float = 36.0
    fail_after_hours: float = 72.0
    per_table: Mapping[str, tuple[float, float]] = field(
        default_factory=dict
    )  # "schema.table" -> (warn, fail)
    as_of: datetime | None = None

    def for_table(self, table: str) -> tuple[float, float]:
        return self.per_table.get(table, (self.warn_after_hours, self.fail_after_hours))

    def now(self) -> datetime:
        return self.as_of or datetime.now(UTC)


def _hours(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    try:
        return float(text) if text else default
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number of hours; set e.g. {name}={default:g}") from None


def _freshness(env: Mapping[str, str]) -> FreshnessThresholds:
    """MICROFUNNEL_FRESHNESS_WARN_HOURS / _FAIL_HOURS, MICROFUNNEL_FRESHNESS_OVERRIDES and _AS_OF."""
    per_table = {}
    overrides = env.get("MICROFUNNEL_FRESHNESS_OVERRIDES", "")
    for entry in filter(None, (part.strip() for part in overrides.split(","))):
        table, _, hours = entry.partition("=")
        warn, _, fail = hours.partition("/")
        try:
            per_table[table.strip()] = (float(warn), float(fail))
        except ValueError:
            raise ValueError(
                f"MICROFUNNEL_FRESHNESS_OVERRIDES: {entry!r} is not `schema.table=WARN_HOURS/FAIL_HOURS`, "
                "e.g. raw_shopify.orders=72/168"
            ) from None
    as_of = env.get("MICROFUNNEL_FRESHNESS_AS_OF")
    if as_of:
        try:
            parsed = datetime.fromisoformat(as_of)
        except ValueError:
            raise ValueError(
                f"MICROFUNNEL_FRESHNESS_AS_OF={as_of!r} is not an ISO date-time, e.g. 2026-10-29T06:00:00"
            ) from None
        as_of_time = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return FreshnessThresholds(
        warn_after_hours=_hours(env, "MICROFUNNEL_FRESHNESS_WARN_HOURS", 36.0),
        fail_after_hours=_hours(env, "MICROFUNNEL_FRESHNESS_FAIL_HOURS", 72.0),
        per_table=per_table,
        as_of=as_of_time if as_of else None,
    )


def _first_export_day(env: Mapping[str, str]) -> date:
    """MICROFUNNEL_FIRST_EXPORT_DAY, else the GA4 source's SOURCES__GA4__START_DATE, else 2026-10-01.

    (2026-10-01 is the sandbox world's first day; set your GA4 export's first day in production.)
    """
    for name in ("MICROFUNNEL_FIRST_EXPORT_DAY", "SOURCES__GA4__START_DATE"):
        if env.get(name):
            try:
                return date.fromisoformat(env[name][:10])
            except ValueError:
                raise ValueError(f"{name}={env[name]!r} is not an ISO date, e.g. 2026-10-01") from None
    return date(2026, 10, 1)


ENGINES = ("duckdb", "spark")  # dbt targets of dbt_project/profiles.yml


def _engine(env: Mapping[str, str]) -> str:
    text = env.get("MICROFUNNEL_ENGINE", "").strip().lower() or "duckdb"
    if text not in ENGINES:
        raise ValueError(
            f"MICROFUNNEL_ENGINE={env['MICROFUNNEL_ENGINE']!r} is not an engine; "
            f"set one of {', '.join(ENGINES)}"
            " (spark needs the extra: pip install 'microfunnel[spark]')"
        )
    return text


MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(%|[KMGT]i?B)$", re.IGNORECASE)


def _memory_limit(env: Mapping[str, str]) -> str:
    text = env.get("MICROFUNNEL_DUCKDB_MEMORY_LIMIT", "").strip()
    if not text:
        return "80%"
    if not MEMORY_LIMIT.match(text):
        raise ValueError(
            f"MICROFUNNEL_DUCKDB_MEMORY_LIMIT={text!r} is not a DuckDB memory limit; "
            "set e.g. MICROFUNNEL_DUCKDB_MEMORY_LIMIT=4GB (or 50% of this machine's memory)"
        )
    return text


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(env.get(name) or default).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read WAREHOUSE_PATH, SERVING_PATH, CONVERSIONS_CONFIG, SANDBOX_DIR, MICROFUNNEL_FRESHNESS_*,
    MICROFUNNEL_DUCKDB_MEMORY_LIMIT, MICROFUNNEL_DUCKDB_TEMP_DIR, MICROFUNNEL_ENGINE,
    MICROFUNNEL_LAKE_PATH and MICROFUNNEL_SPARK_WAREHOUSE."""
    env = os.environ if env is None else env
    warehouse = _path(env, "WAREHOUSE_PATH", "data/warehouse.duckdb")
    return Settings(
        warehouse_path=warehouse,
        serving_path=_path(env, "SERVING_PATH", str(warehouse.with_name("serving.duckdb"))),
        conversions_config=_path(env, "CONVERSIONS_CONFIG", "conversions.yml"),
        sandbox_dir=_path(env, "SANDBOX_DIR", "data/sandbox"),
        freshness=_freshness(env),
        first_export_day=_first_export_day(env),
        duckdb_memory_limit=_memory_limit(env),
        duckdb_temp_dir=_path(env, "MICROFUNNEL_DUCKDB_TEMP_DIR", "")
        if env.get("MICROFUNNEL_DUCKDB_TEMP_DIR")
        else None,
        engine=_engine(env),
        lake_path=_path(env, "MICROFUNNEL_LAKE_PATH", "") if env.get("MICROFUNNEL_LAKE_PATH") else None,
        spark_warehouse=_path(env, "MICROFUNNEL_SPARK_WAREHOUSE", "")
        if env.get("MICROFUNNEL_SPARK_WAREHOUSE")
        else None,
    )
