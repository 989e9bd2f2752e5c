"""Pure helpers: read the ECB's `eurofxref-hist.zip` into (day, currency, units per euro) rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from ingestion.sources.ecb_rates.settings import ARCHIVE_MEMBER, MISSING
from ingestion.sources.http import MalformedResponseError, Verdict, http_verdict

SOURCE = "ecb_rates"
ENDPOINT = "GET eurofxref-hist.zip"


def classify(response: requests.Response, payload: Any) -> Verdict:
    """A public file: no credentials, so a 401/403 is a proxy's doing and 404 a wrong base_url."""
    verdict = http_verdict(response, payload, auth_key="SOURCES__ECB_RATES__BASE_URL")
    if response.status_code == 404:
        return Verdict("fail", f"{verdict.detail} (is SOURCES__ECB_RATES__BASE_URL the ECB's site?)")
    return verdict


def rows(archive: bytes, since: date | None, currencies: set[str] | None) -> Iterator[dict]:
    """One row per business day and quoted currency on or after `since`; N/A cells are skipped."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            text = zipped.read(ARCHIVE_MEMBER).decode("utf-8")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise MalformedResponseError(
            SOURCE, ENDPOINT, 200, f"not a zip holding {ARCHIVE_MEMBER} ({exc})"
        ) from exc
    reader = csv.reader(io.StringIO(text))
    header = [column.strip() for column in next(reader, [])]
    if not header or header[0] != "Date":
        raise MalformedResponseError(SOURCE, ENDPOINT, 200, f"{ARCHIVE_MEMBER} does not start with 'Date,'")
    for record in reader:
        if not record or not record[0].strip():
            continue
        day = date.fromisoformat(record[0].strip())
        if since and day < since:
            continue
        for currency, cell in zip(header[1:], record[1:], strict=False):
            value = cell.strip()
            if not currency or not value or value == MISSING:
                continue  # the trailing comma's empty column, or a currency not quoted that day
            if currencies is not None and currency not in currencies:
                continue
            try:
                rate = Decimal(value)
            except InvalidOperation as exc:
                raise MalformedResponseError(
                    SOURCE, ENDPOINT, 200, f"{day} {currency}: {value!r} is not a rate"
                ) from exc
            yield {"rate_date": day, "currency": currency, "units_per_euro": rate}
