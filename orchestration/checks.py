"""Asset checks beyond dbt's tests: funnel conversion anomalies.

A step's conversion (from the previous step) on the newest entry day whose window has fully
elapsed is compared with its trailing band (mean ± 3 standard deviations of the 14 days
before). Younger entry days are left out: their journeys are still running and would always
look like a drop. The check warns; it never blocks publishing, since a real change in
behaviour is news, not an error.
"""

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)

from orchestration.warehouse import warehouse_access

TRAILING_DAYS = 14
BAND_SIGMAS = 3.0
MIN_PERSONS = 20  # fewer entrants than this on the day: too noisy to call an anomaly

ANOMALIES_SQL = f"""
with daily as (
    select funnel_name, step_index, date_day,
           sum(persons_reached) as reached,
           sum(sum(persons_reached)) over (
               partition by funnel_name, date_day order by step_index rows between 1 preceding and 1 preceding
           ) as previous_reached
    from marts.fct_funnel_daily
    group by funnel_name, step_index, date_day
),
rates as (
    select daily.*, reached / previous_reached as conversion
    from daily
    inner join staging.stg_config__funnels using (funnel_name)
    where step_index > 1 and previous_reached > 0
      and date_day <= (select max(date_day) from marts.fct_funnel_daily)
                      - cast(ceil(window_seconds / 86400.0) as integer)
),
banded as (
    select *,
           avg(conversion) over trailing_days as band_mean,
           stddev_samp(conversion) over trailing_days as band_sd,
           count(*) over trailing_days as band_days,
           row_number() over (partition by funnel_name, step_index order by date_day desc) as recency
    from rates
    window trailing_days as (
        partition by funnel_name, step_index order by date_day
        rows between {TRAILING_DAYS} preceding and 1 preceding
    )
)
select funnel_name, step_index, date_day, conversion, band_mean, band_sd
from banded
where recency = 1 and band_days >= 7 and previous_reached >= {MIN_PERSONS}
  and abs(conversion - band_mean) > {BAND_SIGMAS} * greatest(band_sd, 0.01)
order by funnel_name, step_index
"""


def conversion_anomalies(connection: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = connection.execute(ANOMALIES_SQL)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@asset_check(
    asset=AssetKey(["marts", "fct_funnel_daily"]),
    description="Each step's conversion on the newest complete entry day lies within its trailing band.",
)
def funnel_conversion_within_trailing_band(context) -> AssetCheckResult:
    with (
        warehouse_access(context) as settings,
        duckdb.connect(str(settings.warehouse_path), read_only=True) as connection,
    ):
        anomalies = conversion_anomalies(connection)
    return AssetCheckResult(
        passed=not anomalies,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "anomalies": len(anomalies),
            "details": "; ".join(
                f"{a['funnel_name']} step {a['step_index']} on {a['date_day']}: {a['conversion']:.1%} "
                f"vs {a['band_mean']:.1%} ± {BAND_SIGMAS:.0f}×{a['band_sd'] or 0:.1%}"
                for a in anomalies
            )
            or "none",
        },
    )
