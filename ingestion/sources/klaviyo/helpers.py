"""Pure pieces of the Klaviyo source: classifying JSON:API answers, filters, and raw rows.

Klaviyo answers errors as JSON:API `{"errors": [{status, code, title, detail, source}]}`: 401
`not_authenticated` (a missing or wrong private key), 403 `permission_denied` (a key without the
read scopes), 400 `invalid` (a bad filter or revision), 429 `throttled` with `Retry-After`.
Profiles' emails are normalised and hashed here, before a row exists, and event properties that
hold an email address are dropped: the raw address never reaches dlt, the warehouse or a log.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import requests

from ingestion.sources.http import MalformedResponseError, Verdict, http_verdict, retry_after_seconds
from ingestion.sources.klaviyo.settings import EVENT_PROPERTY_COLUMNS
from microfunnel.pii import hash_email

SOURCE = "klaviyo"
KEY = "SOURCES__KLAVIYO__"
SCOPES = "events:read, metrics:read, profiles:read, campaigns:read, flows:read"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def error_detail(payload: Any) -> str:
    """`title: detail` of each JSON:API error, or '' when the body is not one."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = [
        f"{e.get('code', '')}: {e.get('detail') or e.get('title', '')}".strip(": ")
        for e in errors
        if isinstance(e, dict)
    ]
    return "; ".join(parts)[:300]


def classify(response: requests.Response, payload: Any) -> Verdict:
    status = response.status_code
    detail = error_detail(payload)
    if status == 401:
        return Verdict("auth", detail or "missing or invalid private key", config_key=f"{KEY}API_KEY")
    if status == 403:
        return Verdict(
            "auth",
            f"{detail or 'permission denied'} (give the key the read scopes {SCOPES})",
            config_key=f"{KEY}API_KEY",
        )
    if status == 429:
        return Verdict("retry", detail or "throttled", retry_after_seconds(response))
    if status == 400 and "revision" in detail:
        return Verdict("fail", f"{detail} (set {KEY}REVISION to a dated Klaviyo revision, e.g. 2026-10-15)")
    if 400 <= status < 500 and detail:
        return Verdict("fail", detail)
    return http_verdict(response, payload, auth_key=f"{KEY}API_KEY")


def resources(payload: Any, endpoint: str) -> tuple[list[dict], str | None]:
    """(the `data` resources, the URL of the next page or None) of a JSON:API list answer."""
    try:
        data = payload["data"]
        links = payload.get("links") or {}
        if not isinstance(data, list):
            raise TypeError(f"data is {type(data).__name__}, not a list")
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponseError(SOURCE, endpoint, 200, f"no JSON:API data list ({exc!r})") from exc
    return data, links.get("next") or None


def events_filter(metric_id: str, since: datetime | None) -> str:
    """`and(equals(metric_id,"X"),greater-or-equal(datetime,<since>))`, Klaviyo's filter syntax."""
    terms = [f'equals(metric_id,"{metric_id}")']
    if since is not None:
        terms.append(f"greater-or-equal(datetime,{since.strftime('%Y-%m-%dT%H:%M:%SZ')})")
    return f"and({','.join(terms)})" if len(terms) > 1 else terms[0]


def _without_emails(properties: dict) -> dict:
    """Event properties minus any value that carries an email address (e.g. 'Recipient Email Address').

    `@` is looked for first: the pattern, tried at every position of a long text without one (a
    URL), was most of a Klaviyo load's own work."""
    return {
        key: value
        for key, value in properties.items()
        if not (isinstance(value, str) and "@" in value and _EMAIL.search(value))
        and not _names_an_email_address(key)
    }


@lru_cache(maxsize=4096)  # an account's property names are few; its events many
def _names_an_email_address(key: str) -> bool:
    return "email address" in key.lower()


def event_row(resource: dict, metric_name: str) -> dict:
    attributes = resource.get("attributes") or {}
    properties = _without_emails(attributes.get("event_properties") or {})
    profile = ((resource.get("relationships") or {}).get("profile") or {}).get("data") or {}
    metric = ((resource.get("relationships") or {}).get("metric") or {}).get("data") or {}
    row = {
        "id": resource["id"],
        "metric_id": metric.get("id"),
        "metric_name": metric_name,
        "profile_id": profile.get("id"),
        "datetime": attributes.get("datetime"),
        "timestamp": attributes.get("timestamp"),
        "uuid": attributes.get("uuid"),
        "event_properties": properties,
    }
    for key, column in EVENT_PROPERTY_COLUMNS.items():
        value = properties.get(key)
        if value not in (None, ""):
            row[column] = str(value)
    return {k: v for k, v in row.items() if v is not None}


def profile_row(resource: dict, pii_key: str) -> dict:
    """A profile by id: its email as a keyed hash, never the address; names, phone and location left out,
    custom properties kept minus any value holding an email address."""
    attributes = resource.get("attributes") or {}
    row = {
        "id": resource["id"],
        "email_hash": hash_email(attributes.get("email"), pii_key),
        "external_id": attributes.get("external_id"),
        "properties": _without_emails(attributes.get("properties") or {}) or None,
        "created": attributes.get("created"),
        "updated": attributes.get("updated"),
    }
    return {k: v for k, v in row.items() if v is not None}


def attribute_row(resource: dict, columns: dict) -> dict:
    """A campaign's or flow's id and the declared scalar attributes (nested settings left out)."""
    attributes = resource.get("attributes") or {}
    row = {"id": resource["id"]} | {k: attributes.get(k) for k in columns if k != "id"}
    return {k: v for k, v in row.items() if v is not None}
