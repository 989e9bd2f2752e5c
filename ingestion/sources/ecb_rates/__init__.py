"""ECB euro foreign exchange reference rates: `GET {base_url}/stats/eurofxref/eurofxref-hist.zip`.

The ECB publishes one rate per currency and TARGET business day (about 16:00 CET): units of the
currency per 1 EUR. The whole history is one small zip, so every run reads it and keeps the days
from `start_date` on (default: the last 400 days), merging on (rate_date, currency): re-runs converge,
and a rate the ECB corrects replaces the old one. Weekends and holidays have no row; the warehouse
carries the previous business day's rate forward (int_currency_rates_daily).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import dlt

from ingestion.sources.ecb_rates.helpers import ENDPOINT, SOURCE, classify, rows
from ingestion.sources.ecb_rates.settings import DEFAULT_BASE_URL, DEFAULT_HISTORY_DAYS, HISTORY_PATH, SPEC
from ingestion.sources.http import ApiClient, retry_policy
from ingestion.sources.records import SCHEMA_CONTRACT


@dlt.source(name="ecb_rates", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def ecb_rates(
    base_url: str = DEFAULT_BASE_URL,
    start_date: str | None = None,
    currencies: list[str] | None = None,
) -> list[dlt.sources.DltResource]:
    """The reference rates from `start_date` (YYYY-MM-DD), every currency or only `currencies`."""
    policy = retry_policy(SOURCE)  # the shared RetryPolicy (ingestion/sources/http.py)
    client = ApiClient(SOURCE, policy, classify)
    since = (
        date.fromisoformat(start_date) if start_date else date.today() - timedelta(days=DEFAULT_HISTORY_DAYS)
    )
    wanted = {c.upper() for c in currencies} if currencies else None
    return [reference_rates(client, base_url.rstrip("/") + HISTORY_PATH, since, wanted)]


@dlt.resource(
    name="reference_rates",
    write_disposition="merge",
    primary_key=("rate_date", "currency"),
    columns=SPEC.columns("reference_rates"),
)
def reference_rates(
    client: ApiClient, url: str, since: date, currencies: set[str] | None
) -> Iterator[list[dict]]:
    """One row per business day and currency: units of the currency per 1 EUR."""
    archive = client.request_content("GET", url, ENDPOINT)
    yield list(rows(archive, since, currencies))


__all__ = ["ecb_rates", "reference_rates"]
