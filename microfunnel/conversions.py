"""The micro-conversion catalog and funnels of `conversions.yml`, validated before anything runs.

A mistake in this file would otherwise surface as a silently empty funnel three layers down,
so every entry is checked here and an error names the file, the entry and the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from microfunnel.audiences import Audiences
from microfunnel.experiments import Experiments
from microfunnel.ga4_events import GA4_EVENT_NAMES
from microfunnel.property_filters import Condition, parse_path, parse_where

MACRO_STEP = "purchase"
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")  # GA4's rule for event names
WINDOW_PATTERN = re.compile(r"^\s*(\d+)\s*([A-Za-z]+)\s*$")
UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


class ConfigError(ValueError):
    """`conversions.yml` is not valid; the message says where and how to fix it."""


def parse_window(text: str) -> int:
    """'7 days' -> 604800 seconds; units seconds..weeks, singular or plural."""
    match = WINDOW_PATTERN.match(str(text))
    unit = match.group(2).lower().removesuffix("s") if match else None
    if not match or unit not in UNIT_SECONDS or int(match.group(1)) <= 0:
        raise ValueError(
            f"window {text!r} is not a duration; write '<n> <unit>' with n > 0 and unit one of "
            "seconds, minutes, hours, days, weeks (e.g. '7 days')"
        )
    return int(match.group(1)) * UNIT_SECONDS[unit]


def _check_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError(
            f"name {value!r} must start with a letter and use only letters, digits and '_' (max 40)"
        )
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str

    _name = field_validator("name")(_check_name)


Where = Annotated[tuple[Condition, ...], PlainValidator(parse_where)]


class ActionConversion(_Entry):
    """An event, optionally narrowed by event parameters compared as text (`params`, all must
    match) and by property filters (`where`, microfunnel/property_filters.py)."""

    kind: Literal["action"]
    event_name: str
    params: dict[str, str | int | float] = Field(default_factory=dict)
    where: Where = ()

    _event = field_validator("event_name")(_check_name)


class DestinationConversion(_Entry):
    """A page view whose path matches a glob pattern (`*` matches anything)."""

    kind: Literal["destination"]
    page_path: str

    @field_validator("page_path")
    @classmethod
    def _starts_with_slash(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"page_path {value!r} must start with '/', e.g. '/pricing*'")
        return value


class EngagementConversion(_Entry):
    """A session that reaches an engagement threshold; it occurs when the threshold is crossed."""

    kind: Literal["engagement"]
    min_engaged_seconds: int | None = Field(default=None, gt=0)
    min_page_views: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_threshold(self) -> EngagementConversion:
        if (self.min_engaged_seconds is None) == (self.min_page_views is None):
            raise ValueError("give exactly one of min_engaged_seconds or min_page_views")
        return self


MicroConversion = Annotated[
    ActionConversion | DestinationConversion | EngagementConversion, Field(discriminator="kind")
]


class Step(BaseModel):
    """A funnel step: a catalog entry, `purchase` or a GA4 event, optionally narrowed by `where`.

    Written as a bare name (`view_item`) or as `{event: view_item, where: {...}}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: str
    where: Where = ()

    _event = field_validator("event")(_check_name)


class Exclusion(Step):
    """An event that voids a journey when it happens while the journey waits between steps
    `between[0]` and `between[1]` (1-based; default the whole funnel). PostHog's bounded
    exclusions: see microfunnel/funnel_semantics.py."""

    between: tuple[int, int] | None = None


def _as_steps(values: Any) -> Any:
    """A bare name is shorthand for {event: name}."""
    if isinstance(values, list):
        return [{"event": v} if isinstance(v, str) else v for v in values]
    return values


class Funnel(_Entry):
    """Ordered steps with a conversion window measured from the entry step."""

    steps: list[Step] = Field(min_length=2)
    window: str = "7 days"
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclude: list[Exclusion] = Field(default_factory=list)
    breakdown: list[str] = Field(default_factory=list)
    breakdown_limit: int = Field(default=10, ge=1, le=1000)

    _steps = field_validator("steps", "exclude", mode="before")(_as_steps)
    _window = field_validator("window")(lambda value: parse_window(value) and value)

    @field_validator("breakdown", mode="before")
    @classmethod
    def _breakdown_paths(cls, value: Any) -> Any:
        paths = [value] if isinstance(value, str) else value
        if isinstance(paths, list):
            for path in paths:
                parse_path(path)
        return paths

    @model_validator(mode="after")
    def _bounds_and_filters(self) -> Funnel:
        last = len(self.steps)
        for index, step in enumerate(self.steps, start=1):
            if step.event == MACRO_STEP and step.where:
                raise ValueError(
                    f"step {index} {MACRO_STEP!r}: the macro step comes from orders, which carry no GA4 "
                    "event properties; remove `where`, or filter a GA4 event step instead"
                )
        for index, exclusion in enumerate(self.exclude, start=1):
            if exclusion.between is None:
                continue
            start, end = exclusion.between
            if not 1 <= start < end <= last:
                raise ValueError(
                    f"exclude {index} {exclusion.event!r}: between {list(exclusion.between)} must name two "
                    f"steps i < j within 1..{last} (1-based), e.g. between: [1, {last}]"
                )
            if self.order == "any" and (start, end) != (1, last):
                raise ValueError(
                    f"exclude {index} {exclusion.event!r}: an any-order funnel has no 'between' steps; "
                    f"drop between (or write [1, {last}]), as in PostHog"
                )
        return self

    @property
    def window_seconds(self) -> int:
        return parse_window(self.window)

    @property
    def step_names(self) -> list[str]:
        return [step.event for step in self.steps]

    def exclusion_bounds(self, exclusion: Exclusion) -> tuple[int, int]:
        """The exclusion's (from, to) steps, 1-based; the whole funnel by default."""
        return exclusion.between or (1, len(self.steps))


IdentifierType = Literal["anonymous_id", "customer_id", "email_hash", "order_id", "gclid", "fbclid"]
IDENTIFIER_TYPES: tuple[str, ...] = IdentifierType.__args__

# identifier type -> linked type -> the most distinct identifiers of that type one identifier may be
# linked to (directly or through an order) before it counts as shared and is cut from the graph.
# DECISIONLOG.md explains each number; `identity: max_links:` overrides them pair by pair.
DEFAULT_MAX_LINKS: dict[str, dict[str, int | None]] = {
    "anonymous_id": {"customer_id": 1, "email_hash": 1, "gclid": 50, "fbclid": 50},
    "customer_id": {"anonymous_id": 4, "email_hash": 3},
    "email_hash": {"anonymous_id": 4, "customer_id": 2},
    "gclid": {"anonymous_id": 1},
    "fbclid": {"anonymous_id": 1},
}


class BlockedIdentifier(BaseModel):
    """An identifier that never links anything; `email` entries are written in plain text and
    hashed with PII_HASH_KEY when the catalog is loaded, so the file never needs a hash."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    identifier_type: Literal[
        "anonymous_id", "customer_id", "email", "email_hash", "order_id", "gclid", "fbclid"
    ]
    value: str = Field(min_length=1)
    reason: str = "listed in conversions.yml"

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value).strip() if isinstance(value, int | str) else value


class Identity(BaseModel):
    """Guardrails of the identity graph: degree caps per identifier type and a blocklist."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_links: dict[IdentifierType, dict[IdentifierType, int | None]] = Field(default_factory=dict)
    blocklist: list[BlockedIdentifier] = Field(default_factory=list)

    @field_validator("max_links", mode="before")
    @classmethod
    def _user_id_is_customer_id(cls, value: Any) -> Any:
        if isinstance(value, dict) and (
            "user_id" in value
            or any(isinstance(inner, dict) and "user_id" in inner for inner in value.values())
        ):
            raise ValueError(
                "user_id and customer_id are one identifier (the shop's customer id): write customer_id"
            )
        return value

    @field_validator("max_links")
    @classmethod
    def _positive(cls, value: dict[str, dict[str, int | None]]) -> dict[str, dict[str, int | None]]:
        for kind, caps in value.items():
            for linked, cap in caps.items():
                if cap is not None and cap < 1:
                    raise ValueError(
                        f"max_links {kind} -> {linked}: {cap} must be at least 1 (or null for no cap)"
                    )
        return value

    def caps(self) -> dict[tuple[str, str], int]:
        """The effective caps: the defaults, overridden pair by pair; null removes a cap."""
        merged: dict[tuple[str, str], int | None] = {}
        for layer in (DEFAULT_MAX_LINKS, self.max_links):
            merged.update(
                {(kind, linked): cap for kind, caps in layer.items() for linked, cap in caps.items()}
            )
        return {pair: cap for pair, cap in sorted(merged.items()) if cap is not None}


CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


class Reporting(BaseModel):
    """The one clock and the one currency every mart reports in.

    Unset keys fall back, in this order, to the Shopify shop's (`shop { ianaTimezone currencyCode }`,
    when Shopify is loaded), to the GA4 property's (dbt vars microfunnel__ga4_property_time_zone /
    _currency), then to UTC and EUR; `int_reporting_settings` resolves it and says which one won."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    time_zone: str | None = None
    currency: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _iana_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"time_zone {value!r} is not an IANA time zone; write one like Europe/Berlin or "
                "America/New_York (the shop's time zone in Shopify's settings)"
            ) from None
        return value

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is not None and not CURRENCY_PATTERN.match(value):
            raise ValueError(f"currency {value!r} is not an ISO 4217 code; write three capitals, e.g. EUR")
        return value


class Catalog(BaseModel):
    """The whole file: the micro-conversion catalog and the funnels built from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    micro_conversions: list[MicroConversion] = Field(default_factory=list)
    funnels: list[Funnel] = Field(min_length=1)
    custom_events: list[str] = Field(default_factory=list)
    identity: Identity = Field(default_factory=Identity)
    reporting: Reporting = Field(default_factory=Reporting)
    # how A/B tests are read from GA4 event params (microfunnel/experiments.py)
    experiments: Experiments = Field(default_factory=Experiments)
    # the enabled sources (`sources: [ga4, shopify]`); None: every source whose credentials are set
    sources: list[str] | None = None
    # audiences to act on (microfunnel/audiences.py); after micro_conversions, whose names they check
    audiences: Audiences = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for name in value:
                _check_name(name)
            for name in {n for n in value if value.count(n) > 1}:
                raise ValueError(f"source {name!r} is listed twice")
        return value

    _custom = field_validator("custom_events")(lambda values: [_check_name(v) for v in values])

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        names = [m.name for m in self.micro_conversions]
        for name in {n for n in names if names.count(n) > 1}:
            raise ValueError(f"micro-conversion name {name!r} is used twice; names must be unique")
        if MACRO_STEP in names:
            raise ValueError(f"{MACRO_STEP!r} is the macro-conversion (orders); rename the micro-conversion")
        funnel_names = [f.name for f in self.funnels]
        for name in {n for n in funnel_names if funnel_names.count(n) > 1}:
            raise ValueError(f"funnel name {name!r} is used twice; names must be unique")
        known = set(names) | GA4_EVENT_NAMES | set(self.custom_events) | {MACRO_STEP}
        for m in self.micro_conversions:
            close = (
                difflib.get_close_matches(m.event_name, sorted(known), n=1, cutoff=0.8)
                if (isinstance(m, ActionConversion) and m.event_name not in known)
                else []
            )
            if close:
                raise ValueError(
                    f"micro-conversion {m.name!r} event_name {m.event_name!r} is not a GA4 event; did you "
                    f"mean {close[0]!r}? (a custom event of that name: list it under custom_events)"
                )
        for funnel in self.funnels:
            overlap = {(s.event, s.where) for s in funnel.steps} & {
                (x.event, x.where) for x in funnel.exclude
            }
            if overlap:
                events = sorted(event for event, _ in overlap)
                raise ValueError(
                    f"funnel {funnel.name!r}: {events} are both a step and excluded with the same filter; "
                    "give the exclusion a different `where` or remove it"
                )
            labelled = [(f"step {i}", s) for i, s in enumerate(funnel.steps, start=1)]
            labelled += [(f"exclude {i}", x) for i, x in enumerate(funnel.exclude, start=1)]
            for label, step in labelled:
                if step.event in known:
                    continue
                close = difflib.get_close_matches(step.event, sorted(known), n=1, cutoff=0.8)
                if close:
                    raise ValueError(
                        f"funnel {funnel.name!r} {label} {step.event!r} is neither a catalog entry nor a "
                        f"GA4 event; did you mean {close[0]!r}? (a custom event of that name: list it "
                        "under custom_events)"
                    )
        return self

    def raw_event_references(self) -> list[tuple[str, str]]:
        """(where it is written, GA4 event name) for every funnel step or exclusion that names a raw
        GA4 event (not a catalog entry, not the macro) and every action's event_name: names only
        the data can confirm, which the WARN asset check `funnel_events_seen` does."""
        catalog = {m.name for m in self.micro_conversions}
        out = [
            (f"micro-conversion {m.name!r} event_name", m.event_name)
            for m in self.micro_conversions
            if isinstance(m, ActionConversion)
        ]
        for funnel in self.funnels:
            written = [(f"step {i}", s) for i, s in enumerate(funnel.steps, start=1)]
            written += [(f"exclude {i}", x) for i, x in enumerate(funnel.exclude, start=1)]
            out += [
                (f"funnel {funnel.name!r} {label}", step.event)
                for label, step in written
                if step.event not in catalog and step.event != MACRO_STEP
            ]
        return out

    def micro_conversion(
        self, name: str
    ) -> ActionConversion | DestinationConversion | EngagementConversion | None:
        return next((m for m in self.micro_conversions if m.name == name), None)


def _location(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Turn pydantic's ('funnels', 0, 'window') into "funnels[0] 'purchase' -> window"."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            name = (node.get("name") or node.get("event")) if isinstance(node, dict) else node
            label = f"step {item + 1}" if parts[-1] == "steps" else f"{parts[-1]}[{item}]"
            parts[-1] = label + (f" {name!r}" if isinstance(name, str) else "")
        elif isinstance(item, str) and item in ("action", "destination", "engagement"):
            continue  # the discriminator tag pydantic inserts; not a key the user wrote
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return " -> ".join(parts) or "top level"


def check_source_names(names: Collection[str], known: Collection[str], origin: str) -> None:
    """Every name must be a registered source; the error names the unknown ones and the known ones."""
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(
            f"{origin}: unknown source(s) {', '.join(map(repr, unknown))}; "
            f"known sources: {', '.join(known)} (see the README's table of sources)"
        )


def load_catalog(path: str | Path, known_sources: Collection[str] | None = None) -> Catalog:
    """Read and validate the file; raise ConfigError naming the file, the entry and the fix.

    `known_sources` (the registry's names, passed by the layers that know them) also checks the
    `sources:` list; the ground floor itself knows no source."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found; set CONVERSIONS_CONFIG or create it (see README)")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'micro_conversions' and 'funnels'")
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "union_tag_invalid":
                message = "unknown kind; use one of: action, destination, engagement"
            elif err["type"] == "too_short" and err["loc"][-1] == "steps":
                message = "a funnel needs at least 2 steps, e.g. steps: [view_item, purchase]"
            elif err["type"] == "too_short" and err["loc"] == ("funnels",):
                message = "define at least one funnel"
            elif err["type"] == "extra_forbidden":
                message = "unknown key; check the spelling against DESIGN.md section 6"
            elif err["type"] == "literal_error" and err["loc"][:1] == ("identity",):
                expected = err["ctx"]["expected"].replace("'", "")
                message = f"unknown identifier type {err['input']!r}; use one of: {expected}"
            loc = tuple(item for item in err["loc"] if item != "[key]")
            problems.append(f"{path}: {_location(loc, raw)}: {message}")
        raise ConfigError("\n".join(problems)) from None
    if known_sources is not None and catalog.sources is not None:
        check_source_names(catalog.sources, list(known_sources), f"{path}: sources")
    return catalog
