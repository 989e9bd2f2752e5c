"""Write a world's GA4 events as BigQuery export files, one per day (`events_YYYYMMDD`).

The JSON files use BigQuery's newline-delimited JSON export encoding: INT64 values are quoted
strings, FLOAT64 values are numbers, NULL fields are left out, REPEATED fields are arrays.
The Parquet variant carries the same columns typed, as BigQuery's Parquet export does.

`as_of` replays GA4's daily export over time: the file of day D holds the events of day D
that had arrived by `as_of`, so a late event first appears when its (earlier) day's file is
exported again. A file is only rewritten when its content changes, as GA4 only touches the
tables of the last few days.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import orjson
import pyarrow.json as pj
import pyarrow.parquet as pq

from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA, JSON_WIRE_SCHEMA
from sandbox import catalog
from sandbox.forked import can_fork, in_a_forked_child
from sandbox.model import Event, Traffic
from sandbox.simulate import World

COUNTRIES = [
    ("Germany", "Berlin", "Europe", "Western Europe"),
    ("Austria", "Vienna", "Europe", "Western Europe"),
    ("Switzerland", "Zurich", "Europe", "Western Europe"),
    ("Netherlands", "Amsterdam", "Europe", "Western Europe"),
]


FORK_FROM_EVENTS = 50_000  # smaller exports are written in this process: a fork costs more than it saves
PROGRESS_EVERY_EVENTS = 5_000  # a listener's call per event would cost more than the line it says


def export_lines(
    world: World,
    as_of: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    days: Callable[[date], bool] | None = None,
) -> dict[date, list[bytes]]:
    """Export rows as JSON lines (UTF-8 bytes) per event day, as GA4 had exported them by `as_of`
    (default: all); with `days`, only the days it accepts (every event is still scanned: bundles
    count across days). Bytes from end to end: a demo export is 1 GB, and decoding each row and
    encoding the file again took 0.6 s of the 15 s of CPU it costs."""
    as_of = as_of or world.spec.end_date + timedelta(days=3)
    fragments = _DeviceFragments(world)
    bundle: dict[str, int] = defaultdict(int)
    lines: dict[date, list[bytes]] = defaultdict(list)
    for done, event in enumerate(world.events, 1):
        if progress is not None and (done % PROGRESS_EVERY_EVENTS == 0 or done == len(world.events)):
            progress(done, len(world.events))
        cookie = event.session.device.cookie
        if event.batch_event_index == 0:
            bundle[cookie] += 1
        day = event.event_date
        if (
            (days is not None and not days(day))
            or day > as_of
            or (event.arrival_delay_days and day + timedelta(days=event.arrival_delay_days) > as_of)
        ):
            continue
        line = _row_json(event, _day_text(day), fragments.of(event), bundle[cookie])
        lines[day].append(line)
        if event.duplicated:
            lines[day].append(line)
    return lines


def write_ga4_export(
    world: World,
    folder: Path,
    as_of: date | None = None,
    fmt: str = "json",
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write (or refresh) `events_YYYYMMDD.json` / `.parquet` files; return the files that changed.

    `progress` hears (events exported so far, all events) every few thousand events."""
    if fmt not in ("json", "parquet"):
        raise ValueError(f"unknown GA4 export format {fmt!r}; use 'json' or 'parquet'")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "json" and len(world.events) >= FORK_FROM_EVENTS and can_fork():
        return _write_in_two_processes(world, folder, as_of, progress)
    return _write_days(world, folder, as_of, fmt, progress)


def _write_days(
    world: World,
    folder: Path,
    as_of: date | None,
    fmt: str,
    progress: Callable[[int, int], None] | None,
    days: Callable[[date], bool] | None = None,
) -> list[Path]:
    changed = []
    for day, lines in sorted(export_lines(world, as_of, progress, days).items()):
        path = folder / f"events_{day:%Y%m%d}.{fmt}"
        payload = b"\n".join(lines) + b"\n"
        if fmt == "parquet":
            buffer = io.BytesIO()
            pq.write_table(_typed(payload), buffer)
            payload = buffer.getvalue()
        if path.exists() and path.read_bytes() == payload:
            continue
        path.write_bytes(payload)
        changed.append(path)
    return changed


def _write_in_two_processes(
    world: World, folder: Path, as_of: date | None, progress: Callable[[int, int], None] | None
) -> list[Path]:
    """Every other day's file written by a forked child: encoding rows is pure Python, one core each
    (the demo world's export: 10.6 s in one process). JSON only: the Parquet files are written in
    one process (encoding them as Parquet after a fork was not measured)."""
    odd = lambda day: day.toordinal() % 2 == 1  # noqa: E731
    with in_a_forked_child(
        lambda: [str(path) for path in _write_days(world, folder, as_of, "json", None, odd)],
        f"writing every other day of the GA4 export into {folder}",
    ) as child:
        changed = _write_days(world, folder, as_of, "json", progress, lambda day: not odd(day))
    return sorted(changed + [Path(path) for path in child.result])


def _typed(json_lines: bytes):
    """The JSON rows as BigQuery's Parquet export types them (INT64 as integers, not strings)."""
    options = pj.ParseOptions(explicit_schema=JSON_WIRE_SCHEMA, unexpected_field_behavior="ignore")
    read = pj.ReadOptions(block_size=1 << 24)
    return pj.read_json(io.BytesIO(json_lines), read_options=read, parse_options=options).cast(
        GA4_EXPORT_SCHEMA
    )


class _DeviceFragments:
    """The parts of a row that only depend on the device and person, encoded once per device."""

    def __init__(self, world: World):
        self.first_touch: dict[str, tuple[int, Traffic]] = {}
        for event in world.events:  # sorted by time: the first event seen is the first touch
            self.first_touch.setdefault(event.session.device.cookie, (event.ts_us, event.session.traffic))
        self.cache: dict[tuple[str, str], bytes] = {}

    def of(self, event: Event) -> bytes:
        device, person = event.session.device, event.person
        key = (device.cookie, person.person_id)
        if key not in self.cache:
            touch_ts, touch = self.first_touch[device.cookie]
            country, city, continent, sub_continent = COUNTRIES[
                sum(map(ord, person.person_id)) % len(COUNTRIES)
            ]
            self.cache[key] = orjson.dumps(
                {
                    "user_pseudo_id": device.cookie,
                    "privacy_info": {
                        "analytics_storage": "Yes",
                        "ads_storage": "Yes",
                        "uses_transient_token": "No",
                    },
                    "user_properties": [],
                    "user_first_touch_timestamp": str(touch_ts),
                    "device": _compact(
                        {
                            "category": device.category,
                            "mobile_brand_name": {"iOS": "Apple", "Android": "Google"}.get(
                                device.operating_system
                            ),
                            "operating_system": device.operating_system,
                            "language": "de-de",
                            "is_limited_ad_tracking": "No",
                            "web_info": {
                                "browser": device.browser,
                                "browser_version": "130.0",
                                "hostname": catalog.SHOP_HOST,
                            },
                        }
                    ),
                    "geo": {
                        "city": city,
                        "country": country,
                        "continent": continent,
                        "region": city,
                        "sub_continent": sub_continent,
                    },
                    "traffic_source": {
                        "name": touch.campaign or "(direct)",
                        "medium": touch.medium,
                        "source": touch.source,
                    },
                    "stream_id": catalog.STREAM_ID,
                    "platform": "WEB",
                    "is_active_user": True,
                }
            )[1:-1]
        return self.cache[key]


@lru_cache(maxsize=1 << 16)
def _param(key: str, value: str | int | float) -> bytes:
    """One event_params entry in BigQuery's JSON encoding (INT64 as a string)."""
    kind = type(value)
    if kind is int:
        encoded = {"int_value": str(value)}
    elif kind is float:
        encoded = {"double_value": value}
    else:
        encoded = {"string_value": str(value)}
    return orjson.dumps({"key": key, "value": encoded})  # compact JSON, ~8x faster than json.dumps


def _landing_query(traffic: Traffic) -> str:
    parts = []
    if traffic.medium not in ("(none)", "organic", "referral") and traffic.source != "google":
        parts += [f"utm_source={traffic.source}", f"utm_medium={traffic.medium}"]
        if traffic.campaign:
            parts.append(f"utm_campaign={traffic.campaign}")
        if traffic.campaign_id:
            parts.append(f"utm_id={traffic.campaign_id}")
        if traffic.content:
            parts.append(f"utm_content={traffic.content}")
    if traffic.gclid:
        parts.append(f"gclid={traffic.gclid}")
    if traffic.fbclid:
        parts.append(f"fbclid={traffic.fbclid}")
    parts += [f"{key}={value}" for key, value in traffic.link_params]
    return "?" + "&".join(parts) if parts else ""


@lru_cache(maxsize=1 << 10)
def _day_text(day: date) -> str:
    return f"{day:%Y%m%d}"


def _row_json(event: Event, event_date: str, device_fragment: bytes, bundle_id: int) -> bytes:
    """One export row in BigQuery's JSON encoding: INT64 as strings, NULL fields left out."""
    traffic = event.session.traffic
    landing = event.batch_page_id == 1
    params = event.params
    if landing or event.order is not None:
        params = dict(params)
        if landing:
            params["page_location"] = event.page_location + _landing_query(traffic)
            if event.name in ("page_view", "session_start", "first_visit"):
                params["entrances"] = 1
            if traffic.medium != "(none)":
                params.update({"source": traffic.source, "medium": traffic.medium})
                if traffic.campaign:
                    params["campaign"] = traffic.campaign
        if event.order is not None:
            params["transaction_id"] = event.order.name
    row = {
        "event_date": event_date,
        "event_timestamp": str(event.ts_us),
        "event_name": event.name,
        "event_bundle_sequence_id": str(bundle_id),
        "event_server_timestamp_offset": str(250_000 + event.ts_us % 700_000),
        "batch_event_index": str(event.batch_event_index),
        "batch_page_id": str(event.batch_page_id),
        "batch_ordering_id": str(event.batch_ordering_id),
    }
    if event.user_id is not None:
        row["user_id"] = event.user_id
    if event.items:
        row["items"] = [_item(item, event.name == "purchase") for item in event.items]
    if landing and traffic.medium != "(none)":
        manual = not traffic.gclid and traffic.medium != "organic"
        row["collected_traffic_source"] = _compact(
            {
                "manual_campaign_id": traffic.campaign_id if traffic.fbclid else None,
                "manual_campaign_name": traffic.campaign if manual else None,
                "manual_source": traffic.source if manual else None,
                "manual_medium": traffic.medium if manual else None,
                "manual_content": traffic.content,
                "gclid": traffic.gclid,
            }
        )
    if event.order is not None:
        order = event.order
        row["ecommerce"] = {
            "total_item_quantity": str(sum(line.quantity for line in order.lines)),
            "purchase_revenue": float(order.total),
            "shipping_value": float(order.shipping),
            "tax_value": float(order.tax),
            "unique_items": str(len(order.lines)),
            "transaction_id": order.name,
        }
    encoded_params = b",".join([_param(k, v) for k, v in params.items()])
    head = orjson.dumps(row)[:-1]  # ~8x faster than json.dumps; same JSON
    return b"".join((head, b',"event_params":[', encoded_params, b"],", device_fragment, b"}"))


def _item(item: dict, with_revenue: bool) -> dict:
    encoded = {**item, "quantity": str(item["quantity"])}
    if with_revenue:
        encoded["item_revenue"] = item["price"] * item["quantity"]
    return encoded


def _compact(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}
