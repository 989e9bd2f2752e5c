"""Pure pieces of the Google Ads source: reading searchStream bodies and classifying its errors.

searchStream answers with a JSON array of batches (`[{results, fieldMask, requestId}, ...]`)
and frames errors as google.rpc.Status objects, in an array (`[{"error": {...}}]`) or bare;
an error may also follow result batches in a 200 stream, so every element is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import requests

from ingestion.sources.http import MalformedResponseError, Verdict, http_verdict, retry_after_seconds
from ingestion.sources.records import flatten

SOURCE = "google_ads"
KEY = "SOURCES__GOOGLE_ADS__"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def rpc_errors(payload: Any) -> list[dict]:
    """The google.rpc.Status objects in a body, whichever framing the endpoint used."""
    elements = payload if isinstance(payload, list) else [payload]
    return [e["error"] for e in elements if isinstance(e, dict) and isinstance(e.get("error"), dict)]


def failure_codes(error: dict) -> list[tuple[str, str, str]]:
    """(family, code, message) of each GoogleAdsFailure error: ("quotaError", "RESOURCE_EXHAUSTED", ...)."""
    codes = []
    for detail in error.get("details") or []:
        for item in detail.get("errors") or []:
            for family, code in (item.get("errorCode") or {}).items():
                codes.append((family, code, item.get("message", "")))
    return codes


def retry_delay(error: dict) -> float | None:
    """QuotaErrorDetails.retryDelay ("60s", a protobuf Duration) in seconds."""
    for detail in error.get("details") or []:
        for item in detail.get("errors") or []:
            delay = ((item.get("details") or {}).get("quotaErrorDetails") or {}).get("retryDelay")
            if delay and (match := _DURATION.match(delay)):
                return float(match[1])
    return None


def describe(error: dict) -> str:
    codes = failure_codes(error)
    if codes:
        return "; ".join(f"{family}.{code}: {message}" for family, code, message in codes)
    return f"{error.get('status', '')} {error.get('message', '')}".strip()


def classify(response: requests.Response, payload: Any) -> Verdict:
    """Google's signals: RESOURCE_EXHAUSTED (retry after retryDelay), auth vs permission, bad queries."""
    errors = rpc_errors(payload)
    if not errors:
        return http_verdict(response, payload, auth_key=f"{KEY}REFRESH_TOKEN")
    error = errors[0]
    code = int(error.get("code") or response.status_code)
    families = {family: value for family, value, _ in failure_codes(error)}
    detail = describe(error)
    if code == 429 or error.get("status") == "RESOURCE_EXHAUSTED":
        return Verdict("retry", detail, retry_delay(error) or retry_after_seconds(response))
    if code >= 500:
        return Verdict("retry", detail, retry_after_seconds(response))
    if code == 401:
        token_problem = "DEVELOPER_TOKEN" in families.get("authenticationError", "")
        return Verdict(
            "auth",
            detail,
            config_key=f"{KEY}DEVELOPER_TOKEN"
            if token_problem
            else f"{KEY}REFRESH_TOKEN / {KEY}CLIENT_ID / {KEY}CLIENT_SECRET",
        )
    if code == 403:
        reason = families.get("authorizationError", "")
        key = (
            f"{KEY}DEVELOPER_TOKEN"
            if "DEVELOPER_TOKEN" in reason or "CLOUD_PROJECT" in reason
            else f"{KEY}CUSTOMER_ID / {KEY}LOGIN_CUSTOMER_ID"
        )
        return Verdict("auth", detail, config_key=key)
    return Verdict("fail", detail)


def classify_token(response: requests.Response, payload: Any) -> Verdict:
    """OAuth2 token endpoint: invalid_grant is the refresh token, invalid_client the client id/secret."""
    if response.ok:
        return Verdict("ok")
    error = payload.get("error") if isinstance(payload, dict) else None
    detail = f"{error}: {payload.get('error_description', '')}" if isinstance(error, str) else ""
    if error == "invalid_grant":
        return Verdict("auth", detail, config_key=f"{KEY}REFRESH_TOKEN")
    if error in ("invalid_client", "unauthorized_client"):
        return Verdict("auth", detail, config_key=f"{KEY}CLIENT_ID / {KEY}CLIENT_SECRET")
    return http_verdict(response, payload, auth_key=f"{KEY}CLIENT_ID / {KEY}CLIENT_SECRET")


def stream_rows(payload: Any, endpoint: str) -> Iterator[dict]:
    """Every GoogleAdsRow of a searchStream body, flattened to `resource__field` columns."""
    if not isinstance(payload, list):
        raise MalformedResponseError(
            SOURCE,
            endpoint,
            200,
            f"expected a JSON array of result batches, got {type(payload).__name__}",
            "Check SOURCES__GOOGLE_ADS__BASE_URL",
        )
    for batch in payload:
        if not isinstance(batch, dict) or not isinstance(batch.get("results", []), list):
            raise MalformedResponseError(SOURCE, endpoint, 200, "a batch is not {results: [...]}")
        for row in batch.get("results", []):
            yield flatten({key: value for key, value in row.items()})
