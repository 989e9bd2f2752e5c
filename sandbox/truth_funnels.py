"""True funnel progress: the catalog's steps matched on each true person's real events.

This is an independent Python rendering of the warehouse's step definitions (action params
as text, destination globs, engagement thresholds crossed within a session, orders as the
macro step), fed to the reference semantics in `microfunnel.funnel_semantics`. The warehouse
must arrive at the same answer through its own SQL and its own identity graph.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from microfunnel.conversions import MACRO_STEP, ActionConversion, Catalog, DestinationConversion, Funnel, Step
from microfunnel.funnel_semantics import exclusion_steps_between
from microfunnel.property_filters import EventProperties, where_holds
from sandbox import catalog as shop
from sandbox.model import EmailEvent, Event
from sandbox.simulate import World

# Klaviyo metrics on the person timeline, by the event name the warehouse gives them.
EMAIL_EVENT_NAMES = {"Opened Email": "email_opened", "Clicked Email": "email_clicked"}


def email_event_params(event: EmailEvent) -> dict[str, str]:
    """The params an email event's micro-conversions may filter on: flow, campaign, message (names)."""
    params = {"message": event.message_name or ""}
    if event.flow_id:
        params["flow"] = shop.WELCOME_FLOW.name if event.flow_id == shop.WELCOME_FLOW.flow_id else ""
    else:
        params["campaign"] = next(
            (c.name for c in shop.EMAIL_CAMPAIGNS if c.campaign_id == event.message_id), ""
        )
    return {k: v for k, v in params.items() if v}


@dataclass(frozen=True)
class TimelineEvent:
    """One event of a true person, in the warehouse's total order."""

    ts_us: int
    order_key: tuple
    event_id: str
    name: str
    is_macro: bool
    matches: frozenset[str]  # catalog entries (and 'purchase' for the macro) this event satisfies
    properties: EventProperties = EventProperties()  # what a `where:` filter reads (none for orders)


def _text(value) -> str:
    return str(value)


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def event_properties(event: Event) -> EventProperties:
    """The parts of the exported row a filter can read: params (page_location included), items and
    the device record, as sandbox/ga4_export.py writes them."""
    device = event.session.device
    return EventProperties(
        params={**event.params, "page_location": event.page_location, "page_title": event.page_title},
        items=tuple(event.items),
        records={
            "device": {
                "category": device.category,
                "operating_system": device.operating_system,
                "web_info": {"browser": device.browser},
            }
        },
    )


def person_timelines(
    world: World, catalog: Catalog, macro_from_orders: bool = True, email: bool = True
) -> dict[str, list[TimelineEvent]]:
    """Every true person's events (unique, late ones included) with the catalog entries each satisfies.

    `email`: also the person's Klaviyo email opens and clicks (`email_opened`, `email_clicked`, with
    the params flow / campaign / message), as a warehouse loading Klaviyo has them.
    """
    by_session: dict[int, list] = defaultdict(list)
    for event in world.events:
        by_session[id(event.session)].append(event)
    timelines: dict[str, list[TimelineEvent]] = defaultdict(list)
    for events in by_session.values():
        events.sort(key=lambda e: (e.ts_us, e.batch_ordering_id, e.batch_event_index))
        engaged_ms, page_views, reached = 0, 0, set()
        for event in events:
            engaged_ms += (
                int(event.params.get("engagement_time_msec", 0)) if event.name == "user_engagement" else 0
            )
            page_views += event.name == "page_view"
            matches = set()
            properties = event_properties(event)
            for conversion in catalog.micro_conversions:
                if isinstance(conversion, ActionConversion):
                    if (
                        event.name == conversion.event_name
                        and all(
                            _text(event.params.get(k, "")) == _text(v) for k, v in conversion.params.items()
                        )
                        and where_holds(conversion.where, properties)
                    ):
                        matches.add(conversion.name)
                elif isinstance(conversion, DestinationConversion):
                    if event.name == "page_view" and fnmatch.fnmatchcase(
                        _path(event.page_location), conversion.page_path
                    ):
                        matches.add(conversion.name)
                elif conversion.name not in reached and (
                    (conversion.min_engaged_seconds and engaged_ms >= conversion.min_engaged_seconds * 1000)
                    or (conversion.min_page_views and page_views >= conversion.min_page_views)
                ):
                    reached.add(conversion.name)
                    matches.add(conversion.name)
            is_macro = not macro_from_orders and event.name == MACRO_STEP and event.order is not None
            key = f"{event.session.device.cookie}:{event.ts_us}:{event.name}:{event.batch_event_index}"
            timelines[event.person.person_id].append(
                TimelineEvent(
                    event.ts_us,
                    (event.ts_us, 0, event.batch_ordering_id, event.batch_event_index, key),
                    key,
                    event.name,
                    is_macro,
                    frozenset(matches | ({MACRO_STEP} if is_macro else set())),
                    properties,
                )
            )
    if email:
        for event in world.email_events:
            name = EMAIL_EVENT_NAMES.get(event.metric)
            if name is None:
                continue
            params = email_event_params(event)
            matches = {
                c.name
                for c in catalog.micro_conversions
                if isinstance(c, ActionConversion)
                and c.event_name == name
                and all(_text(params.get(k, "")) == _text(v) for k, v in c.params.items())
                and where_holds(c.where, EventProperties(params=params))
            }
            key = f"klaviyo:{event.event_id}"
            timelines[event.profile.person.person_id].append(
                TimelineEvent(event.ts_us, (event.ts_us, 1, 0, 0, key), key, name, False, frozenset(matches))
            )
    if macro_from_orders:
        for order in world.orders:
            if not order.test:
                timelines[order.person.person_id].append(
                    TimelineEvent(
                        order.created_at_us,
                        (order.created_at_us, 1, 0, 0, str(order.order_id)),
                        f"order:{order.order_id}",
                        MACRO_STEP,
                        True,
                        frozenset({MACRO_STEP}),
                    )
                )
    for timeline in timelines.values():
        timeline.sort(key=lambda e: e.order_key)
    return timelines


def step_matches(event: TimelineEvent, step: Step, catalog: Catalog) -> bool:
    """A step names a catalog entry, the macro, or any GA4 event name (DESIGN.md section 6), and
    the event passes the step's `where` filter."""
    if step.event == MACRO_STEP:
        return event.is_macro
    if catalog.micro_conversion(step.event) is not None:
        named = step.event in event.matches
    else:
        named = event.name == step.event and not event.is_macro
    return named and where_holds(step.where, event.properties)


def funnel_truth(world: World, catalog: Catalog, funnel: Funnel, macro_from_orders: bool = True):
    """{true person_id: FunnelResult} for every person who entered `funnel` and was not excluded."""
    from microfunnel import funnel_semantics

    results = {}
    for person_id, timeline in person_timelines(world, catalog, macro_from_orders).items():
        events = [
            funnel_semantics.FunnelEvent(
                ts_us=event.ts_us,
                seq=seq,
                event_id=event.event_id,
                steps=frozenset(
                    i for i, step in enumerate(funnel.steps, start=1) if step_matches(event, step, catalog)
                ),
                exclusion_steps=frozenset().union(
                    *(
                        exclusion_steps_between(*funnel.exclusion_bounds(x))
                        for x in funnel.exclude
                        if step_matches(event, x, catalog)
                    )
                ),
            )
            for seq, event in enumerate(timeline, start=1)
        ]
        result = funnel_semantics.evaluate_funnel(
            events, len(funnel.steps), funnel.window_seconds * 1_000_000, funnel.order
        )
        if result is not None:
            results[person_id] = result
    return results
