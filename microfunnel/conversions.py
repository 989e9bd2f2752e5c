"""The micro-conversion catalog and funnels of `conversions.yml`, validated before anything runs.

A mistake in this file would otherwise surface as a silently empty funnel three layers down,
so every entry is checked here and an error names the file, the entry and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class ActionConversion(_Entry):
    """An event, optionally narrowed by event parameters (all must match)."""

    kind: Literal["action"]
    event_name: str
    params: dict[str, str | int | float] = Field(default_factory=dict)

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


class Funnel(_Entry):
    """Ordered steps with a conversion window measured from the entry step."""

    steps: list[str] = Field(min_length=2)
    window: str = "7 days"
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclude: list[str] = Field(default_factory=list)

    _steps = field_validator("steps", "exclude")(lambda values: [_check_name(v) for v in values])
    _window = field_validator("window")(lambda value: parse_window(value) and value)

    @property
    def window_seconds(self) -> int:
        return parse_window(self.window)


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


class Catalog(BaseModel):
    """The whole file: the micro-conversion catalog and the funnels built from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    micro_conversions: list[MicroConversion] = Field(default_factory=list)
    funnels: list[Funnel] = Field(min_length=1)
    identity: Identity = Field(default_factory=Identity)
    # the enabled sources (`sources: [ga4, shopify]`); None: every source whose credentials are set
    sources: list[str] | None = None

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for name in value:
                _check_name(name)
            for name in {n for n in value if value.count(n) > 1}:
                raise ValueError(f"source {name!r} is listed twice")
        return value

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
        for funnel in self.funnels:
            overlap = set(funnel.exclude) & set(funnel.steps)
            if overlap:
                raise ValueError(f"funnel {funnel.name!r}: {sorted(overlap)} are both a step and excluded")
        return self

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
            name = node.get("name") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{item}]" + (f" {name!r}" if name else "")
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
