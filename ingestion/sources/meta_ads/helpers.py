"""Pure pieces of the Meta Ads source: classifying Graph API errors, reading usage headers.

Meta never says "slow down" with a plain 429: throttling comes as HTTP 400/403 with an error
code (4, 17, 32, 613, 80000-80014) and usage headers whose `estimated_time_to_regain_access`
(minutes) tells how long to wait. So the error code decides, never the HTTP status alone.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from ingestion.sources.http import MalformedResponseError, Verdict, http_verdict, retry_after_seconds
from ingestion.sources.meta_ads.settings import PERMISSION_CODES, THROTTLE_CODES, TOKEN_CODES, TRANSIENT_CODES

SOURCE = "meta_ads"
KEY = "SOURCES__META_ADS__"


def regain_access_seconds(response: requests.Response) -> float | None:
    """The longest `estimated_time_to_regain_access` (minutes) in the business-use-case usage header."""
    raw = response.headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
        minutes = [
            entry.get("estimated_time_to_regain_access", 0) for entries in usage.values() for entry in entries
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    longest = max(minutes, default=0)
    return float(longest) * 60 if longest else None


def classify(response: requests.Response, payload: Any) -> Verdict:
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return http_verdict(response, payload, auth_key=f"{KEY}ACCESS_TOKEN")
    code, subcode = error.get("code"), error.get("error_subcode")
    detail = (
        f"error code {code}"
        + (f"/{subcode}" if subcode else "")
        + f" ({error.get('type', '')}): "
        + str(error.get("message", ""))
    )
    if code in THROTTLE_CODES:
        return Verdict(
            "retry", "throttled, " + detail, regain_access_seconds(response) or retry_after_seconds(response)
        )
    if code in TRANSIENT_CODES or error.get("is_transient"):
        return Verdict("retry", detail, retry_after_seconds(response))
    if code in TOKEN_CODES:
        return Verdict("auth", detail, config_key=f"{KEY}ACCESS_TOKEN")
    if code in PERMISSION_CODES:
        return Verdict(
            "auth",
            detail + " (the token needs the ads_read permission on this ad account)",
            config_key=f"{KEY}ACCESS_TOKEN / {KEY}ACCOUNT_ID",
        )
    if code == 100 and subcode == 33:
        return Verdict("auth", detail, config_key=f"{KEY}ACCOUNT_ID")
    if response.status_code >= 500:
        return Verdict("retry", detail, retry_after_seconds(response))
    return Verdict("fail", detail)


def page_rows(payload: Any, endpoint: str) -> tuple[list[dict], str | None]:
    """(rows, the `after` cursor of the next page or None) of one Graph API page."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise MalformedResponseError(SOURCE, endpoint, 200, "expected {data: [...], paging: {...}}")
    paging = payload.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return payload["data"], after
