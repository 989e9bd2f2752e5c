"""Klaviyo's REST API (JSON:API): the metrics, events, profiles, campaigns and flows of the world's email.

Wire format (developers.klaviyo.com, "API overview", "Get Events", "Rate limits, status codes, and
errors"): `Authorization: Klaviyo-API-Key <private key>` and a required `revision` header (a
dated version, e.g. 2026-10-15); resources are `{type, id, attributes, relationships, links}` in a
top-level `data` list with `links.self/next/prev`, `next` being a full URL whose `page[cursor]` is
opaque; `include=profile` adds the related profiles under `included`; filters are
`equals(metric_id,"X")`, `greater-or-equal(datetime,2026-10-01T00:00:00Z)` and friends, combined
with `and(...)` or commas; errors are `{"errors": [{id, status, code, title, detail, source}]}`,
and throttling is HTTP 429 with `Retry-After` (seconds).

Simplifications: `fields[...]` sparse fieldsets are accepted and ignored (every attribute is sent);
profiles carry no `subscriptions` (an `additional-fields` attribute); only sent campaigns are listed.
"""

from __future__ import annotations

import base64
import operator
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sandbox import catalog
from sandbox.model import EmailEvent, EmailProfile
from sandbox.server.http import Request, Response, json_response
from sandbox.server.state import ServerState

ROUTES = [
    ("GET", r"^/api/metrics/?$", "metrics"),
    ("GET", r"^/api/events/?$", "events"),
    ("GET", r"^/api/profiles/?$", "profiles"),
    ("GET", r"^/api/campaigns/?$", "email_campaigns"),
    ("GET", r"^/api/flows/?$", "flows"),
]
# Dated revisions the emulator accepts (Klaviyo ships four a year; beta ones end in `.pre`).
REVISIONS = {"2023-02-22"} | {
    f"{year}-{month:02d}-15"
    for year in range(2023, 2027)
    for month in (1, 4, 7, 10)
    if (year, month) >= (2023, 7)
}
PAGE_SIZES = {
    "events": (200, 1000),
    "profiles": (20, 100),
    "metrics": (200, 200),
    "email_campaigns": (10, 10),
    "flows": (50, 50),
}
_TERM = re.compile(r"([a-z-]+)\(\s*([\w.$]+)\s*,\s*(\"[^\"]*\"|'[^']*'|[^,()]+)\s*\)")
FILTERABLE = {
    "events": {
        "metric_id": {"equals"},
        "profile_id": {"equals"},
        "datetime": {"greater-or-equal", "greater-than", "less-than", "less-or-equal"},
        "timestamp": {"greater-or-equal", "greater-than", "less-than", "less-or-equal"},
    },
    "profiles": {
        "updated": {"greater-than", "greater-or-equal", "less-than", "less-or-equal"},
        "email": {"equals"},
        "id": {"equals"},
    },
    "metrics": {"integration.name": {"equals"}, "integration.category": {"equals"}},
    "email_campaigns": {"messages.channel": {"equals"}, "status": {"equals"}, "archived": {"equals"}},
    "flows": {"status": {"equals"}, "archived": {"equals"}},
}
_INTEGRATION = {
    "object": "integration",
    "id": "0rG4eQ",
    "key": "klaviyo",
    "name": "Klaviyo",
    "category": "Internal",
}


def error(
    status: int, code: str, title: str, detail: str, source: dict | None = None, headers: dict | None = None
) -> Response:
    body = {
        "errors": [
            {
                "id": str(uuid.uuid4()),
                "status": status,
                "code": code,
                "title": title,
                "detail": detail,
                "source": source or {"pointer": "/data/"},
                "links": {},
                "meta": {},
            }
        ]
    }
    return json_response(status, body, {"Content-Type": "application/vnd.api+json", **(headers or {})})


def error_response(endpoint: str, status: int, kind: str, arg: float | None = None) -> Response:
    if kind in ("429", "throttle") or status == 429:
        wait = arg if arg is not None else 1
        return error(
            429,
            "throttled",
            "Request was throttled.",
            f"Request was throttled. Expected available in {wait:g} second{'s' if wait != 1 else ''}.",
            headers={"Retry-After": f"{wait:g}"},
        )
    if kind == "auth":
        return _not_authenticated()
    if status == 500:
        return error(500, "error", "A server error occurred.", "A server error occurred.")
    return error(
        status, "service_unavailable", "Service unavailable.", "The service is temporarily unavailable."
    )


def _not_authenticated() -> Response:
    return error(
        401,
        "not_authenticated",
        "Authentication credentials were not provided.",
        "Missing or invalid private key.",
    )


def handle(request: Request, state: ServerState) -> Response:
    auth = request.header("authorization") or ""
    scheme, _, key = auth.partition(" ")
    if scheme != "Klaviyo-API-Key" or key.strip() != state.credentials.klaviyo_api_key:
        return _not_authenticated()
    revision = request.header("revision")
    if not revision:
        return error(
            400,
            "invalid",
            "Invalid input.",
            "The `revision` header is required (e.g. revision: 2026-10-15).",
            {"header": "revision"},
        )
    if revision.removesuffix(".pre") not in REVISIONS:
        return error(
            400,
            "invalid",
            "Invalid input.",
            f"'{revision}' is not a valid revision. Use a dated revision such as 2026-10-15.",
            {"header": "revision"},
        )
    endpoint = request.endpoint
    terms, problem = _filter_terms(request.query.get("filter"), endpoint)
    if problem:
        return error(400, "invalid", "Invalid input.", problem, {"parameter": "filter"})
    if endpoint == "email_campaigns" and ("messages.channel", "equals", "email") not in terms:
        return error(
            400,
            "invalid",
            "Invalid input.",
            "A channel filter is required, e.g. filter=equals(messages.channel,'email').",
            {"parameter": "filter"},
        )
    default_size, max_size = PAGE_SIZES[endpoint]
    try:
        size = int(request.query.get("page[size]") or default_size)
    except ValueError:
        size = 0
    if not 1 <= size <= max_size:
        return error(
            400,
            "invalid",
            "Invalid input.",
            f"page[size] must be between 1 and {max_size}.",
            {"parameter": "page[size]"},
        )
    sort, host = request.query.get("sort"), _host(request)
    resources, profiles = state.cached(  # rendered once per query; its pages are slices of it
        f"klaviyo|{endpoint}|{terms}|{sort}|{host}",
        lambda current: list(_resources(endpoint, current, terms, sort, host)),
    )
    start = _offset(request.query.get("page[cursor]"))
    page = [_mutate(r, request.mutations) for r in resources[start : start + size]]
    if "duplicate" in request.mutations:
        page = [r for resource in page for r in (resource, resource)]
    body: dict = {"data": page, "links": _links(request, start, size, len(resources))}
    includes = {part.strip() for part in (request.query.get("include") or "").split(",") if part.strip()}
    if endpoint == "events" and "profile" in includes:
        wanted = {r["relationships"]["profile"]["data"]["id"] for r in page}
        body["included"] = [_profile_resource(p, _host(request)) for p in profiles if p.profile_id in wanted]
    return json_response(200, body, {"Content-Type": "application/vnd.api+json"})


def _filter_terms(text: str | None, endpoint: str) -> tuple[list[tuple[str, str, str]], str | None]:
    if not text:
        return [], None
    if text.count("(") != text.count(")"):
        return [], "Invalid filter provided. Verify your parentheses match."
    body = text.strip()
    if body.startswith("and(") and body.endswith(")"):
        body = body[4:-1]
    terms = []
    for op, field, raw in _TERM.findall(body):
        allowed = FILTERABLE[endpoint].get(field)
        if allowed is None or op not in allowed:
            return [], f"'{op}' operator for field '{field}' is not supported."
        value = raw.strip().strip("'\"")
        if field in ("datetime", "updated") and _moment(value) is None:
            return (
                [],
                f"'{value}' is not a valid datetime for '{field}' (ISO 8601, e.g. 2026-10-01T00:00:00Z).",
            )
        if field == "timestamp" and not value.isdigit():
            return [], f"'{value}' is not a valid timestamp (seconds since the epoch)."
        terms.append((field, op, value))
    if not terms:
        return [], "Invalid filter provided."
    return terms, None


_OPERATORS = {
    "equals": operator.eq,
    "greater-or-equal": operator.ge,
    "greater-than": operator.gt,
    "less-than": operator.lt,
    "less-or-equal": operator.le,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _compare(op: str, value, bound) -> bool:
    return _OPERATORS[op](value, bound)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _resources(
    endpoint: str, state: ServerState, terms: list, sort: str | None, host: str
) -> tuple[list[dict], list[EmailProfile]]:
    events = [e for e in state.world.email_events if state.visible_us(e.ts_us)]
    profiles = [p for p in state.world.email_profiles if state.visible_us(p.created_us)]
    if endpoint == "events":
        for field, op, raw in terms:
            if field in ("datetime", "timestamp"):
                bound = _moment(raw) if field == "datetime" else datetime.fromtimestamp(int(raw), UTC)
                # in whole microseconds, as the events' clock counts (no datetime made per event)
                holds, bound_us = _OPERATORS[op], _epoch_us(bound)
                events = [e for e in events if holds(e.ts_us, bound_us)]
            elif field == "metric_id":
                events = [e for e in events if catalog.KLAVIYO_METRICS[e.metric] == raw]
            elif field == "profile_id":
                events = [e for e in events if e.profile.profile_id == raw]
        descending = (sort or "").startswith("-")
        events.sort(key=lambda e: (e.ts_us, e.event_id), reverse=descending)
        return [_event_resource(e, host) for e in events], profiles
    if endpoint == "profiles":
        rows = [(p, _profile_updated(p, state)) for p in profiles]
        for field, op, raw in terms:
            if field == "updated":
                rows = [(p, u) for p, u in rows if _compare(op, u, _moment(raw))]
            elif field == "email":
                rows = [(p, u) for p, u in rows if p.email == raw.lower()]
            elif field == "id":
                rows = [(p, u) for p, u in rows if p.profile_id == raw]
        rows.sort(
            key=lambda r: (
                (r[1], r[0].profile_id) if (sort or "").lstrip("-") == "updated" else r[0].profile_id
            )
        )
        return [_profile_resource(p, host, state) for p, _ in rows], profiles
    if endpoint == "metrics":
        seen = {e.metric: e.ts_us for e in reversed(events)}
        return [_metric_resource(name, first_us, host) for name, first_us in sorted(seen.items())], profiles
    if endpoint == "email_campaigns":
        sent = {e.message_id for e in events if e.flow_id is None and e.message_id}
        return [
            _campaign_resource(c, state, host) for c in catalog.EMAIL_CAMPAIGNS if c.campaign_id in sent
        ], profiles
    flows = {e.flow_id for e in events if e.flow_id}
    flow = catalog.WELCOME_FLOW
    return ([_flow_resource(host)] if flow.flow_id in flows else []), profiles


def _iso(ts_us: int) -> str:
    return datetime.fromtimestamp(ts_us // 1_000_000, UTC).isoformat()


def _event_resource(event: EmailEvent, host: str) -> dict:
    profile_id = event.profile.profile_id
    metric_id = catalog.KLAVIYO_METRICS[event.metric]
    if event.metric == "Subscribed to List":
        properties = {
            "List": catalog.NEWSLETTER_LIST_NAME,
            "$list": catalog.NEWSLETTER_LIST_ID,
            "Method": "Klaviyo Form",
        }
    else:
        properties = {
            "Subject": event.subject,
            "Campaign Name": event.message_name,
            "$message": event.message_id,
            "$message_interaction": event.message_id,
            "Email Domain": event.profile.email.rsplit("@", 1)[-1],
            "$event_id": f"{event.message_id}:{profile_id}:{event.event_id}",
        }
        if event.flow_id:
            properties["$flow"] = event.flow_id
        if event.url:
            properties["URL"] = event.url
    base = f"https://{host}/api/events/{event.event_id}"
    return {
        "type": "event",
        "id": event.event_id,
        "attributes": {
            "timestamp": event.ts_us // 1_000_000,
            "event_properties": properties,
            "datetime": _iso(event.ts_us),
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"klaviyo-event:{event.event_id}")),
        },
        "relationships": {
            "profile": {
                "data": {"type": "profile", "id": profile_id},
                "links": {"self": f"{base}/relationships/profile/", "related": f"{base}/profile/"},
            },
            "metric": {
                "data": {"type": "metric", "id": metric_id},
                "links": {"self": f"{base}/relationships/metric/", "related": f"{base}/metric/"},
            },
        },
        "links": {"self": f"{base}/"},
    }


def _profile_updated(profile: EmailProfile, state: ServerState | None = None) -> datetime:
    moments = [profile.created_us] + ([profile.subscribed_us] if profile.subscribed_us else [])
    if state is not None:
        moments = [m for m in moments if state.visible_us(m)]
    return datetime.fromtimestamp(max(moments) // 1_000_000, UTC)


def _profile_resource(profile: EmailProfile, host: str, state: ServerState | None = None) -> dict:
    person = profile.person
    first_name = person.customer.first_name if person.customer else None
    return {
        "type": "profile",
        "id": profile.profile_id,
        "attributes": {
            "email": profile.email,
            "phone_number": None,
            "external_id": None,
            "anonymous_id": None,
            "first_name": first_name,
            "last_name": None,
            "organization": None,
            "locale": None,
            "title": None,
            "image": None,
            "created": _iso(profile.created_us),
            "updated": _profile_updated(profile, state).isoformat(),
            "last_event_date": None,
            "location": {
                "address1": None,
                "address2": None,
                "city": None,
                "country": None,
                "latitude": None,
                "longitude": None,
                "region": None,
                "zip": None,
                "timezone": None,
                "ip": None,
            },
            "properties": {"ga_client_id": f"GA1.1.{profile.ga_client_id}"} if profile.ga_client_id else {},
        },
        "relationships": {
            "lists": {
                "links": {
                    "self": f"https://{host}/api/profiles/{profile.profile_id}/relationships/lists/",
                    "related": f"https://{host}/api/profiles/{profile.profile_id}/lists/",
                }
            },
        },
        "links": {"self": f"https://{host}/api/profiles/{profile.profile_id}/"},
    }


def _metric_resource(name: str, first_us: int, host: str) -> dict:
    metric_id = catalog.KLAVIYO_METRICS[name]
    return {
        "type": "metric",
        "id": metric_id,
        "attributes": {
            "name": name,
            "created": _iso(first_us),
            "updated": _iso(first_us),
            "integration": _INTEGRATION,
        },
        "relationships": {},
        "links": {"self": f"https://{host}/api/metrics/{metric_id}/"},
    }


def _campaign_resource(campaign: catalog.EmailCampaign, state: ServerState, host: str) -> dict:
    spec = state.world.spec
    send_time = (
        datetime.combine(spec.start_date, datetime.min.time(), UTC).timestamp()
        + (campaign.day_index * 24 + campaign.hour_utc) * 3600
    )
    sent = datetime.fromtimestamp(send_time, UTC).isoformat()
    created = datetime.fromtimestamp(send_time - 3 * 86_400, UTC).isoformat()
    return {
        "type": "campaign",
        "id": campaign.campaign_id,
        "attributes": {
            "name": campaign.name,
            "status": "Sent",
            "archived": False,
            "audiences": {"included": [catalog.NEWSLETTER_LIST_ID, "CstS8w"], "excluded": []},
            "send_options": {"use_smart_sending": True},
            "tracking_options": {
                "add_tracking_params": True,
                "is_tracking_clicks": True,
                "is_tracking_opens": True,
            },
            "send_strategy": {"method": "static", "datetime": sent, "options": {"is_local": False}},
            "created_at": created,
            "scheduled_at": created,
            "updated_at": sent,
            "send_time": sent,
        },
        "relationships": {
            "campaign-messages": {
                "links": {
                    "related": f"https://{host}/api/campaigns/{campaign.campaign_id}/campaign-messages/"
                }
            }
        },
        "links": {"self": f"https://{host}/api/campaigns/{campaign.campaign_id}/"},
    }


def _flow_resource(host: str) -> dict:
    flow = catalog.WELCOME_FLOW
    return {
        "type": "flow",
        "id": flow.flow_id,
        "attributes": {
            "name": flow.name,
            "status": "live",
            "archived": False,
            "created": flow.created,
            "updated": flow.created,
            "trigger_type": flow.trigger_type,
        },
        "relationships": {
            "flow-actions": {"links": {"related": f"https://{host}/api/flows/{flow.flow_id}/flow-actions/"}}
        },
        "links": {"self": f"https://{host}/api/flows/{flow.flow_id}/"},
    }


def _mutate(resource: dict, mutations: frozenset[str]) -> dict:
    if "new_field" in mutations:
        resource = resource | {"attributes": resource["attributes"] | {"sandbox_new_attribute": "new"}}
    if "type_change" in mutations and "timestamp" in resource["attributes"]:
        resource = resource | {"attributes": resource["attributes"] | {"timestamp": "n/a"}}
    return resource


def _host(request: Request) -> str:
    return request.header("host") or "127.0.0.1"


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"bz:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().removeprefix("bz:"))
    except ValueError:
        return 0


def _links(request: Request, start: int, size: int, total: int) -> dict:
    base = f"http://{_host(request)}{request.path}"
    query = {k: v for k, v in request.query.items() if k != "page[cursor]"}
    links = {
        "self": f"{base}?{urlencode(request.query)}" if request.query else base,
        "next": None,
        "prev": None,
    }
    if start + size < total:
        links["next"] = f"{base}?{urlencode(query | {'page[cursor]': _cursor(start + size)})}"
    if start > 0:
        links["prev"] = f"{base}?{urlencode(query | {'page[cursor]': _cursor(max(0, start - size))})}"
    return links
