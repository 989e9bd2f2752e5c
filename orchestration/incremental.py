"""Which journeys a daily run recomputes: everything from the oldest day the new data can touch.

GA4 re-exports the last LOOKBACK_DAYS days and the GA4 source re-reads them, so an event
older than (newest export day - lookback) cannot be new in this run; persons with no event
since then keep their journeys (the funnel models replace only the recomputed persons).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ingestion.sources.ga4.settings import LOOKBACK_DAYS


def funnel_recompute_since(warehouse: Path) -> date | None:
    """The first day whose events this run may have added; None when there is no GA4 data yet."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        exists = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw_ga4' and table_name = 'events'"
        ).fetchone()[0]
        if not exists:
            return None
        newest = connection.execute(
            "select max(strptime(event_date, '%Y%m%d'))::date from raw_ga4.events"
        ).fetchone()[0]
    return newest - timedelta(days=LOOKBACK_DAYS) if newest else None


def build_args(config, warehouse: Path) -> list[str]:
    """`dbt build`, with funnel_recompute_since when the run is incremental and there is data."""
    since = funnel_recompute_since(warehouse) if config.incremental_funnels else None
    if since is None:
        return ["build"]
    return ["build", "--vars", json.dumps({"funnel_recompute_since": since.isoformat()})]
