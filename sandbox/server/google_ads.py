"""Google Ads API over REST: the OAuth2 token endpoint and `googleAds:searchStream` with GAQL.

Wire format (see /work/notes/vendor_wire_formats.md §A): the body is a JSON array of
batches, each `{results, fieldMask, requestId}`; keys are lowerCamelCase with a
`resourceName` on every resource object; int64 values are strings, doubles are numbers;
errors are google.rpc.Status `{"error": {code, message, status, details: [GoogleAdsFailure]}}`,
wrapped in an array by searchStream. Only the selected fields come back, as the real API does.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sandbox import catalog
from sandbox.ad_conversions import reported
from sandbox.server.http import Request, Response, json_response, request_id
from sandbox.server.state import ServerState

API_VERSION = "v26"
FAILURE_TYPE_PREFIX = "type.googleapis.com/google.ads.googleads"
ROUTES = [
    ("POST", r"^/token$", "token"),
    ("POST", r"^/v(?P<version>\d+)/customers/(?P<customer_id>\d+)/googleAds:searchStream$", "searchStream"),
]
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MESSAGES = {
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "The caller does not have permission",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "The request deadline was exceeded.",
}
_SELECT = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<resource>\w+)(?P<rest>.*)$", re.I | re.S)
_BETWEEN = re.compile(r"segments\.date\s+BETWEEN\s+'(\d{4}-\d{2}-\d{2})'\s+AND\s+'(\d{4}-\d{2}-\d{2})'", re.I)
_EQUALS = re.compile(r"segments\.date\s*=\s*'(\d{4}-\d{2}-\d{2})'", re.I)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def failure(
    status: int, errors: list[tuple[str, str, str]], message: str | None = None, extra: dict | None = None
) -> dict:
    """A google.rpc.Status with one GoogleAdsFailure detail; errors are (family, code, message)."""
    failures = []
    for family, code, text in errors:
        error = {"errorCode": {family: code}, "message": text}
        if extra:
            error["details"] = extra
        failures.append(error)
    return {
        "error": {
            "code": status,
            "message": message or _MESSAGES.get(status, "Request contains an invalid argument."),
            "status": _STATUS.get(status, "UNKNOWN"),
            "details": [
                {
                    "@type": f"{FAILURE_TYPE_PREFIX}.{API_VERSION}.errors.GoogleAdsFailure",
                    "errors": failures,
                    "requestId": request_id(),
                }
            ],
        }
    }


def stream_error(status: int, errors: list[tuple[str, str, str]], **kwargs) -> Response:
    """searchStream frames its errors in an array, `[{"error": ...}]`."""
    return json_response(status, [failure(status, errors, **kwargs)])


def oauth_error(status: int, error: str, description: str) -> Response:
    return json_response(status, {"error": error, "error_description": description})


def error_response(endpoint: str, status: int, kind: str, arg: float | None = None) -> Response:
    """The vendor's body for an injected fault (transient 5xx, quota, bad credentials)."""
    if endpoint == "token":
        if kind == "auth":
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        return json_response(status, {"error": "internal_failure", "error_description": "Backend Error"})
    if kind == "throttle":
        seconds = arg if arg is not None else 1
        return stream_error(
            429,
            [("quotaError", "RESOURCE_EXHAUSTED", f"Too many requests. Retry in {seconds:g} seconds.")],
            extra={
                "quotaErrorDetails": {
                    "rateScope": "DEVELOPER",
                    "rateName": "Requests per developer per day",
                    "retryDelay": f"{seconds:g}s",
                }
            },
        )
    if kind == "auth":
        return stream_error(
            401, [("authenticationError", "OAUTH_TOKEN_INVALID", "Oauth token in the header is not valid.")]
        )
    return stream_error(
        status,
        [
            (
                "internalError",
                "TRANSIENT_ERROR" if status >= 500 else "INTERNAL_ERROR",
                "An internal error has occurred.",
            )
        ],
    )


def handle(request: Request, state: ServerState) -> Response:
    if request.endpoint == "token":
        return _token(request, state)
    return _search_stream(request, state)


def _token(request: Request, state: ServerState) -> Response:
    form = request.form()
    creds = state.credentials
    if form.get("grant_type") != "refresh_token":
        return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type", ""))
    if form.get("client_id") != creds.google_client_id:
        return oauth_error(401, "invalid_client", "The OAuth client was not found.")
    if form.get("client_secret") != creds.google_client_secret:
        return oauth_error(401, "invalid_client", "Unauthorized")
    if form.get("refresh_token") != creds.google_refresh_token:
        return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
    token = "ya29.sandbox-" + secrets.token_urlsafe(24)
    state.google_tokens[token] = time.monotonic() + 3599
    return json_response(
        200,
        {
            "access_token": token,
            "expires_in": 3599,
            "scope": "https://www.googleapis.com/auth/adwords",
            "token_type": "Bearer",
        },
    )


def _search_stream(request: Request, state: ServerState) -> Response:
    auth = request.header("authorization") or ""
    token = auth.removeprefix("Bearer ").strip()
    if not auth.startswith("Bearer ") or state.google_tokens.get(token, 0) < time.monotonic():
        return error_response("searchStream", 401, "auth")
    login = request.header("login-customer-id")
    expected_login = state.credentials.google_login_customer_id
    if request.match["customer_id"] != catalog.GOOGLE_ADS_CUSTOMER_ID or (login or None) != expected_login:
        return stream_error(
            403,
            [
                (
                    "authorizationError",
                    "USER_PERMISSION_DENIED",
                    "User doesn't have permission to access customer. Note: If you're accessing a "
                    "client customer, the manager's customer id must be set in the "
                    "'login-customer-id' header.",
                )
            ],
        )
    if state.limits.google_requests_per_second and not state.take_google_quota():
        return error_response("searchStream", 429, "throttle", arg=1)
    body = request.json() or {}
    query = body.get("query", "") if isinstance(body, dict) else ""
    parsed = _SELECT.match(query)
    if not parsed:
        return stream_error(
            400, [("queryError", "UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")]
        )
    fields = [f.strip() for f in parsed["fields"].split(",") if f.strip()]
    resource = parsed["resource"].lower()
    days = _date_filter(parsed["rest"])
    renderer = _RESOURCES.get(resource)
    if renderer is None:
        return stream_error(
            400,
            [
                (
                    "queryError",
                    "INVALID_RESOURCE_NAME_IN_FROM_CLAUSE",
                    f"Error in query: invalid resource name '{resource}'.",
                )
            ],
        )
    if resource == "click_view" and (days is None or days[0] != days[1]):
        return stream_error(
            400, [("clickViewError", "EXPECTED_FILTER_ON_A_SINGLE_DAY", "Missing filter on a single day.")]
        )
    unknown = [
        f
        for f in fields
        if f.split(".")[0] not in {"campaign", "customer", "segments", "metrics", "ad_group", "click_view"}
    ]
    if unknown:
        return stream_error(
            400, [("queryError", "UNRECOGNIZED_FIELD", f"Error in query: unrecognized field '{unknown[0]}'.")]
        )
    if resource == "campaign" and any(f.startswith("metrics.") for f in fields) and days is None:
        days = (state.world.spec.first_account_day, state.last_account_day)
    rows = [_project(row, fields, request.mutations) for row in renderer(state, days)]
    if "duplicate" in request.mutations:
        rows = [r for row in rows for r in (row, row)]
    return json_response(
        200, _batches(rows, fields, state.limits.google_batch_rows), {"request-id": request_id()}
    )


def _date_filter(where: str) -> tuple[date, date] | None:
    if match := _BETWEEN.search(where):
        return date.fromisoformat(match[1]), date.fromisoformat(match[2])
    if match := _EQUALS.search(where):
        day = date.fromisoformat(match[1])
        return day, day
    return None


def _batches(rows: list[dict], fields: list[str], batch_rows: int) -> list[dict]:
    mask = ",".join(".".join(_camel(part) for part in f.split(".")) for f in fields)
    batches = [
        {"results": rows[i : i + batch_rows], "fieldMask": mask, "requestId": request_id()}
        for i in range(0, len(rows), batch_rows)
    ] or [{"fieldMask": mask, "requestId": request_id()}]
    batches[-1]["queryResourceConsumption"] = str(40 + len(rows) // 10)
    return batches


def _project(row: dict, fields: list[str], mutations: frozenset[str]) -> dict:
    """Keep the selected fields (and each touched resource's resourceName), as the API does."""
    out: dict = {}
    for field_path in fields:
        resource, *rest = [_camel(part) for part in field_path.split(".")]
        source = row.get(resource, {})
        value = source
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        target = out.setdefault(resource, {})
        if "resourceName" in source:
            target["resourceName"] = source["resourceName"]
        if value is not None:
            target[rest[-1]] = value
    if "metrics" in out and "type_change" in mutations and "impressions" in out["metrics"]:
        out["metrics"]["impressions"] = "n/a"
    if "new_field" in mutations:
        out.setdefault("metrics", {})["videoViews"] = "0"
    return out


def _customer(cid: str) -> dict:
    return {
        "resourceName": f"customers/{cid}",
        "id": cid,
        "currencyCode": catalog.GOOGLE_ADS_CURRENCY,
        "timeZone": catalog.GOOGLE_ADS_TIME_ZONE,
        "descriptiveName": "Sandbox Shop",
    }


def _campaign(cid: str, campaign: catalog.Campaign) -> dict:
    return {
        "resourceName": f"customers/{cid}/campaigns/{campaign.campaign_id}",
        "id": campaign.campaign_id,
        "name": campaign.name,
        "status": "ENABLED",
        "advertisingChannelType": campaign.channel_type,
    }


def _campaign_rows(state: ServerState, days: tuple[date, date] | None) -> list[dict]:
    cid = catalog.GOOGLE_ADS_CUSTOMER_ID
    campaigns = {c.campaign_id: c for c in catalog.campaigns_of("google_ads")}
    if days is None:
        return [{"campaign": _campaign(cid, c), "customer": _customer(cid)} for c in campaigns.values()]
    conversions = reported(state.conversions, state.as_of)
    rows = []
    for stat in state.campaign_days("google_ads"):
        if not days[0] <= stat.date_day <= days[1]:
            continue
        count, value = conversions.get(("google_ads", stat.campaign_id, stat.date_day), (0, Decimal("0")))
        metrics = {
            "impressions": str(stat.impressions),
            "clicks": str(stat.clicks),
            "costMicros": str(stat.cost_micros),
        }
        if count:  # proto3 JSON leaves out unset doubles: a day without conversions has neither field
            metrics |= {"conversions": float(count), "conversionsValue": float(value)}
        rows.append(
            {
                "campaign": _campaign(cid, campaigns[stat.campaign_id]),
                "customer": _customer(cid),
                "segments": {"date": stat.date_day.isoformat()},
                "metrics": metrics,
            }
        )
    return rows


def _clicks_by_day(world) -> dict[date, list]:
    by_day: dict[date, list] = {}
    for click in world.ad_clicks:
        if click.platform == "google_ads":
            by_day.setdefault(click.date_day, []).append(click)
    return by_day


def _click_view_rows(state: ServerState, days: tuple[date, date] | None) -> list[dict]:
    cid = catalog.GOOGLE_ADS_CUSTOMER_ID
    day = days[0]
    rows = []
    # one query per day: the day's clicks looked up, not found among all of them each time
    by_day = state.memo("google_ads clicks by day", _clicks_by_day)
    for click in by_day.get(day, []) if state.visible_day(day) else []:
        device = click.session.device.category.upper() if click.session else "MOBILE"
        rows.append(
            {
                "clickView": {
                    "resourceName": f"customers/{cid}/clickViews/{day.isoformat()}~{click.click_id}",
                    "gclid": click.click_id,
                    "adGroupAd": f"customers/{cid}/adGroupAds/{click.ad_group_id}~{click.ad_group_id}01",
                    "pageNumber": "1",
                },
                "campaign": {
                    "resourceName": f"customers/{cid}/campaigns/{click.campaign_id}",
                    "id": click.campaign_id,
                },
                "adGroup": {
                    "resourceName": f"customers/{cid}/adGroups/{click.ad_group_id}",
                    "id": click.ad_group_id,
                },
                "segments": {"date": day.isoformat(), "device": device, "adNetworkType": "SEARCH"},
                "metrics": {"clicks": "1"},
            }
        )
    return rows


_RESOURCES: dict[str, Callable[[ServerState, tuple[date, date] | None], list[dict]]] = {
    "campaign": _campaign_rows,
    "click_view": _click_view_rows,
}
