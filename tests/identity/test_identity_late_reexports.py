"""A GA4 day re-exported weeks later reaches the identity graph on the next incremental run."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.support.environment import temp_settings
from tests.support.identity import build_identity
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

LATE_LOGIN = "990000123"  # a customer id no other event carries


def test_a_login_in_the_late_rows_of_a_day_re_exported_weeks_later_is_stitched_incrementally(
    identity_world, tmp_path
):
    # Regression: the GA4 identity models re-read only the newest loaded day minus 3 days, so the
    # late rows of an older re-exported day reached the graph only on a --full-refresh.
    from ingestion.pipelines import run_source

    root = tmp_path / "late"
    shutil.copytree(identity_world["warehouse"].parent, root)
    warehouse = root / identity_world["warehouse"].name
    files = sorted((root / "ga4").glob("events_*.json"))
    logged_in = {
        event["user_pseudo_id"]
        for path in files
        for event in map(json.loads, path.read_text().splitlines())
        if event.get("user_id")
    }
    oldest = files[0]  # three weeks before the newest day
    lines = oldest.read_text().splitlines()
    late = next(e for e in map(json.loads, lines) if e["user_pseudo_id"] not in logged_in)
    late["user_id"] = LATE_LOGIN
    late["event_timestamp"] = str(int(late["event_timestamp"]) + 1)
    oldest.write_text("\n".join([*lines, json.dumps(late)]) + "\n")  # a newer modification time

    run_source("ga4", temp_settings(root), bucket_url=str(root / "ga4"))
    run = build_identity(warehouse)

    cookie = late["user_pseudo_id"]
    assert run.stitched[("customer_id", LATE_LOGIN)] == run.stitched[("anonymous_id", cookie)]
    assert rows(
        warehouse,
        "select count(*) from intermediate.int_identity_edges__ga4 "
        "where identifier_value_a = ? and identifier_value_b = ?",
        [cookie, LATE_LOGIN],
    ) == [(1,)]
