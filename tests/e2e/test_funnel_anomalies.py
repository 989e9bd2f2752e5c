"""The funnel anomaly check on a world with a real dip: a day the product pages were down.

On 2026-10-14 (UTC) every product page shows an error (no view_item, no add to cart), so persons
who enter the purchase funnel that day truly reach its view_item step less often. The shop reports
in Europe/Berlin (UTC+2 then): its local 2026-10-14 is 22 of those 24 hours. The world's last UTC
day is 2026-10-20, whose evening is local 2026-10-21, so 10-14 is the newest local entry day whose
7-day window has elapsed: the day the check judges.
"""

from __future__ import annotations

import os
from datetime import date

import pytest

from commands.runner import sandbox_clock
from sandbox.simulate import WorldSpec
from tests.support.warehouse import rows

OUTAGE = date(2026, 10, 14)
DIP_SPEC = WorldSpec(seed=11, persons=1200, days=20, product_page_outage_day=OUTAGE)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dip_run(e2e_settings, e2e_defs):
    from commands import runner
    from sandbox.world_files import write_world_files

    os.environ["MICROFUNNEL_FRESHNESS_AS_OF"] = sandbox_clock(DIP_SPEC)
    world = write_world_files(DIP_SPEC, e2e_settings.sandbox_dir)
    with runner.sandbox_apis(world) as source_env:
        os.environ.update(source_env)
        result = runner.materialize_graph(settings=e2e_settings)
    assert result.success, "a warning check does not fail the run"
    return e2e_settings, result


def anomalies(settings, where: str) -> list[tuple]:
    return rows(
        settings.warehouse_path,
        "select funnel_name, step_name, date_day, is_anomaly from marts.fct_funnel_conversion_anomalies "
        f"where {where} order by all",
    )


def test_the_day_the_product_pages_were_down_is_flagged_by_the_anomaly_check(dip_run):
    settings, result = dip_run
    assert ("purchase", "view_item", OUTAGE, True) in anomalies(settings, "is_judged")
    newest = anomalies(settings, "is_newest_complete_day and funnel_name = 'purchase'")
    assert {row[2] for row in newest} == {OUTAGE}, "the world must end a window after the outage"
    (check,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.name == "funnel_conversion_within_trailing_band"
    ]
    assert not check.passed and check.severity.value == "WARN"
    assert f"purchase step 2 (view_item) on {OUTAGE}" in check.metadata["details"].value
    assert settings.serving_path.exists(), "an anomaly is news, not an error: the marts are still published"


def test_a_normal_weekend_is_not_flagged(dip_run):
    settings, _ = dip_run
    weekend = anomalies(settings, f"is_judged and dayofweek(date_day) in (0, 6) and date_day <> '{OUTAGE}'")
    assert weekend, "the world has judged weekend days"
    assert [row for row in weekend if row[3]] == []
