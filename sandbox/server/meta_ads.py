"""Meta Marketing API (Graph API): `act_<id>/insights` and `act_<id>/campaigns`.

Wire format (see /work/notes/vendor_wire_formats.md §B): `{"data": [...], "paging":
{"cursors": {"before", "after"}, "next"}}` with `next` only when another page exists; every
metric is a string; `actions` / `action_values` are lists of `{action_type, value}` and are
left out when empty; errors are `{"error": {message, type, code, error_subcode, fbtrace_id}}`,
throttling comes as HTTP 400 with codes 4/17/613/80000-80014, never as a plain 429, with the
usage headers telling how long to wait.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import Counter
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from sandbox import catalog
from sandbox.ad_conversions import reported
from sandbox.server.http import Request, Response, json_response
from sandbox.server.state import ServerState

ROUTES = [
    ("GET", r"^/v(?P<version>\d+\.\d+)/act_(?P<account_id>\d+)/insights$", "insights"),
    ("GET", r"^/v(?P<version>\d+\.\d+)/act_(?P<account_id>\d+)/campaigns$", "campaigns"),
    ("GET", r"^/v(?P<version>\d+\.\d+)/act_(?P<account_id>\d+)$", "ad_account"),
]
ACCOUNT_FIELDS = {"id", "account_id", "name", "currency", "timezone_name", "timezone_offset_hours_utc"}
INSIGHTS_FIELDS = {
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "objective",
    "spend",
    "impressions",
    "clicks",
    "reach",
    "cpc",
    "ctr",
    "actions",
    "action_values",
    "date_start",
    "date_stop",
}
CAMPAIGN_FIELDS = {
    "id",
    "name",
    "status",
    "effective_status",
    "objective",
    "created_time",
    "updated_time",
    "daily_budget",
    "account_id",
}
PURCHASE_ACTIONS = ("offsite_conversion.fb_pixel_purchase", "purchase", "omni_purchase")
RATE_LIMIT_DOCS = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80000: "(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more "
    f"info, please refer to {RATE_LIMIT_DOCS}",
    80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and try again. For more "
    f"info, please refer to {RATE_LIMIT_DOCS}",
}


def graph_error(
    status: int,
    code: int,
    message: str,
    subcode: int | None = None,
    error_type: str = "OAuthException",
    headers: dict | None = None,
    **extra,
) -> Response:
    error = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error |= extra
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return json_response(status, {"error": error}, headers)


def _usage_headers(account_id: str, percent: int, regain_minutes: int = 0) -> dict[str, str]:
    buc = {
        account_id: [
            {
                "type": "ads_insights",
                "call_count": percent,
                "total_cputime": max(1, percent // 2),
                "total_time": max(1, percent // 2),
                "estimated_time_to_regain_access": regain_minutes,
                "ads_api_access_tier": "standard_access",
            }
        ]
    }
    return {
        "x-app-usage": json.dumps({"call_count": percent, "total_cputime": 1, "total_time": 1}),
        "x-ad-account-usage": json.dumps(
            {"acc_id_util_pct": percent, "reset_time_duration": 0, "ads_api_access_tier": "standard_access"}
        ),
        "x-business-use-case-usage": json.dumps(buc),
        "Facebook-API-Version": "v26.0",
    }


def throttle_response(account_id: str, code: int = 80000, regain_minutes: int = 0) -> Response:
    message = THROTTLE_MESSAGES.get(
        code, f"(#{code}) There have been too many calls. Wait a bit and try again."
    )
    subcode = 2446079 if code in (17, 80000, 80004) or code > 80000 else None
    return graph_error(400, code, message, subcode, headers=_usage_headers(account_id, 100, regain_minutes))


def error_response(endpoint: str, status: int, kind: str, arg: float | None = None) -> Response:
    if kind == "throttle":
        return throttle_response(catalog.META_AD_ACCOUNT_ID, int(arg) if arg is not None else 80000)
    if kind == "auth":
        return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
    if status == 429:
        return graph_error(429, 4, THROTTLE_MESSAGES[4], is_transient=True)
    if status == 500:
        return graph_error(500, 1, "An unknown error has occurred.", is_transient=True)
    return graph_error(status, 2, "Service temporarily unavailable", is_transient=True)


def handle(request: Request, state: ServerState) -> Response:
    token = request.query.get("access_token") or (request.header("authorization") or "").split(" ")[-1]
    if not token:
        return graph_error(400, 104, "An access token is required to request this resource.")
    if token != state.credentials.meta_access_token:
        return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
    account_id = request.match["account_id"]
    if account_id != state.credentials.meta_account_id:
        return graph_error(
            400,
            100,
            f"Unsupported get request. Object with ID 'act_{account_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation. "
            "Please read the Graph API documentation at https://developers.facebook.com/docs/"
            "graph-api",
            33,
            error_type="GraphMethodException",
        )
    allowed, percent = state.meta_usage()
    if not allowed:
        return throttle_response(account_id, 80000, regain_minutes=1)
    known = {"insights": INSIGHTS_FIELDS, "ad_account": ACCOUNT_FIELDS}.get(request.endpoint, CAMPAIGN_FIELDS)
    fields = [f for f in request.query.get("fields", "").split(",") if f]
    unknown = [f for f in fields if f not in known]
    if unknown:
        return graph_error(
            400,
            100,
            f"(#100) {unknown[0]} is not valid for fields param. please check "
            "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all "
            "valid values",
        )
    if request.endpoint == "ad_account":  # a node, not an edge: one object, no paging
        return json_response(200, _account(fields or ["id"]), _usage_headers(account_id, percent))
    if request.endpoint == "insights":
        if request.query.get("level", "campaign") != "campaign":
            return graph_error(400, 100, "(#100) The sandbox only serves level=campaign")
        try:
            window = json.loads(request.query.get("time_range") or "null")
            since = date.fromisoformat(window["since"]) if window else state.world.spec.first_account_day
            until = date.fromisoformat(window["until"]) if window else state.last_account_day
        except (ValueError, KeyError, TypeError):
            return graph_error(400, 100, "(#100) Param time_range must be a JSON object with since and until")
        rows = _insights(state, since, until, fields or ["spend", "impressions", "clicks"])
    else:
        rows = _campaigns(fields or ["id"])
    rows = [_mutate(row, request.mutations) for row in rows]
    page = _page(request, rows, state.limits.meta_max_page_size)
    return json_response(200, page, _usage_headers(account_id, percent))


def _insights(state: ServerState, since: date, until: date, fields: list[str]) -> list[dict]:
    campaigns = {c.campaign_id: c for c in catalog.campaigns_of("meta_ads")}
    conversions = reported(state.conversions, state.as_of)
    landings = Counter(
        (c.campaign_id, c.date_day) for c in state.ad_clicks("meta_ads") if c.session is not None
    )
    rows = []
    for stat in sorted(state.campaign_days("meta_ads"), key=lambda s: (s.date_day, s.campaign_id)):
        if not since <= stat.date_day <= until:
            continue
        campaign = campaigns[stat.campaign_id]
        purchases, value = conversions.get(("meta_ads", stat.campaign_id, stat.date_day), (0, Decimal("0")))
        actions = [
            {"action_type": "link_click", "value": str(stat.clicks)},
            {"action_type": "landing_page_view", "value": str(landings[(stat.campaign_id, stat.date_day)])},
        ]
        actions = [a for a in actions if a["value"] != "0"]
        actions += [{"action_type": kind, "value": str(purchases)} for kind in PURCHASE_ACTIONS if purchases]
        action_values = [
            {"action_type": kind, "value": f"{value:f}"} for kind in PURCHASE_ACTIONS if purchases
        ]
        spend = Decimal(stat.cost_micros) / 1_000_000
        full = {
            "account_id": catalog.META_AD_ACCOUNT_ID,
            "account_name": "Sandbox Shop",
            "account_currency": catalog.META_CURRENCY,
            "campaign_id": campaign.campaign_id,
            "campaign_name": campaign.name,
            "objective": campaign.channel_type,
            "spend": f"{spend.normalize():f}",
            "impressions": str(stat.impressions),
            "clicks": str(stat.clicks),
            "reach": str(int(stat.impressions * 0.8)),
            "cpc": f"{(spend / stat.clicks):.6f}" if stat.clicks else None,
            "ctr": f"{100 * stat.clicks / stat.impressions:.6f}",
            "actions": actions or None,
            "action_values": action_values or None,
        }
        row = {k: full[k] for k in fields if k in full and full[k] is not None}
        row |= {"date_start": stat.date_day.isoformat(), "date_stop": stat.date_day.isoformat()}
        rows.append(row)
    return rows


def _account(fields: list[str]) -> dict:
    """The ad account node: its currency and time zone, which every insights day is reported in."""
    full = {
        "id": f"act_{catalog.META_AD_ACCOUNT_ID}",
        "account_id": catalog.META_AD_ACCOUNT_ID,
        "name": "Sandbox Shop",
        "currency": catalog.META_CURRENCY,
        "timezone_name": catalog.META_TIME_ZONE,
        "timezone_offset_hours_utc": 0,
    }
    return {k: full[k] for k in ["id", *fields] if k in full}


def _campaigns(fields: list[str]) -> list[dict]:
    rows = []
    for campaign in catalog.campaigns_of("meta_ads"):
        full = {
            "id": campaign.campaign_id,
            "name": campaign.name,
            "status": "ACTIVE",
            "effective_status": "ACTIVE",
            "objective": campaign.channel_type,
            "created_time": "2026-08-01T10:00:00+0000",
            "updated_time": "2026-09-02T08:15:31+0000",
            "daily_budget": "5000",
            "account_id": catalog.META_AD_ACCOUNT_ID,
        }
        rows.append({k: full[k] for k in ["id", *fields] if k in full})
    return rows


def _mutate(row: dict, mutations: frozenset[str]) -> dict:
    if "new_field" in mutations:
        row = row | {"quality_ranking": "ABOVE_AVERAGE"}
    if "type_change" in mutations and "impressions" in row:
        row = row | {"impressions": "n/a"}
    return row


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    return int(text.removeprefix("offset:"))


def _page(request: Request, rows: list[dict], max_limit: int) -> dict:
    limit = min(int(request.query.get("limit") or 25), max_limit)
    start = _offset(request.query["after"]) if request.query.get("after") else 0
    page = rows[start : start + limit]
    end = start + len(page)
    if "duplicate" in request.mutations:
        page = [r for row in page for r in (row, row)]
    body: dict = {"data": page}
    if rows:
        body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(end)}}
        if start + limit < len(rows):
            params = dict(request.query) | {"after": _cursor(start + limit)}
            host = request.header("host") or "127.0.0.1"
            body["paging"]["next"] = f"http://{host}{request.path}?{urlencode(params)}"
    return body
