"""Audiences of `conversions.yml`: persons picked by rules over micro-conversions and orders.

An audience turns micro signals into a macro action ("added to cart in the last 3 days and did not
buy"). It is validated here, with the catalog, so a misspelt conversion fails before anything runs
instead of silently emptying the audience; `fct_audience_members` evaluates the same rules in SQL
and `members_as_of` below is their reference reading, which the tests hold the mart to.

    audiences:
      - name: cart_abandoners
        lookback: 3 days                   # every rule's window unless it sets `within`
        include: [add_to_cart]             # shorthand for {conversion: add_to_cart, at_least: 1}
        exclude: [purchase]                # `purchase` is the macro-conversion: the person's orders
      - name: lead_magnet_no_pricing
        lookback: 14 days
        include: [lead_magnet]
        exclude: [{conversion: pricing_page, within: ever}]   # never, not just within the lookback
      - name: email_openers_no_order
        lookback: 14 days
        include: [{conversion: email_opened, at_least: 2}]
        exclude: [{conversion: purchase, within: ever}]

Semantics (DECISIONLOG "Audiences"): everything is judged `as_of` the newest event in the warehouse
(not the wall clock, so a re-run on the same data gives the same members). A rule's window is
(as_of - within, as_of]: an occurrence exactly `within` old no longer counts. A person is a member
when every include rule has at least `at_least` occurrences in its window and no exclude rule has
any. `entered_at` is when the person first met all rules with the occurrences of the current
windows: the latest of each include rule's at_least-th occurrence in its window and, for each
exclusion with a window, the moment its last older occurrence left the window.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MACRO = "purchase"  # the macro-conversion (orders), as in funnels (microfunnel.conversions.MACRO_STEP)
EVER = "ever"


def _window_seconds(text: str) -> int:
    from microfunnel.conversions import parse_window  # the one duration syntax of the file

    return parse_window(text)


class AudienceRule(BaseModel):
    """`conversion` (a catalog micro-conversion, or `purchase` for orders) occurred at least
    `at_least` times within `within` (a duration, or `ever`; default: the audience's lookback)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    conversion: str
    at_least: int = Field(default=1, ge=1)
    within: str | None = None

    @field_validator("within")
    @classmethod
    def _duration_or_ever(cls, value: str | None) -> str | None:
        if value is None or str(value).strip().lower() == EVER:
            return None if value is None else EVER
        try:
            _window_seconds(value)
        except ValueError:
            raise ValueError(
                f"within {value!r} is neither a duration nor 'ever'; write e.g. 'within: 30 days', or "
                "'within: ever' for any time in the data (leave it out for the audience's lookback)"
            ) from None
        return value


def _as_rules(values: Any) -> Any:
    """A bare name is shorthand for {conversion: name}."""
    if isinstance(values, list):
        return [{"conversion": v} if isinstance(v, str) else v for v in values]
    return values


class Audience(BaseModel):
    """Persons who meet every `include` rule and no `exclude` rule, as of the end of the data."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str = ""
    lookback: str
    include: list[AudienceRule] = Field(default_factory=list, validate_default=True)
    exclude: list[AudienceRule] = Field(default_factory=list)

    _rules = field_validator("include", "exclude", mode="before")(_as_rules)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        from microfunnel.conversions import _check_name

        return _check_name(value)

    @field_validator("lookback")
    @classmethod
    def _lookback(cls, value: str) -> str:
        try:
            _window_seconds(value)
        except ValueError as exc:
            raise ValueError(f"lookback: {exc}") from None
        return value

    @field_validator("include")
    @classmethod
    def _someone_is_included(cls, rules: list[AudienceRule]) -> list[AudienceRule]:
        if not rules:
            raise ValueError("an audience needs at least one include rule, e.g. include: [add_to_cart]")
        return rules

    @field_validator("exclude")
    @classmethod
    def _exclusions_have_no_count(cls, rules: list[AudienceRule]) -> list[AudienceRule]:
        for index, rule in enumerate(rules, start=1):
            if rule.at_least != 1:
                raise ValueError(
                    f"exclude {index} {rule.conversion!r}: an exclusion removes anyone with one occurrence; "
                    "drop at_least (counts apply to include rules)"
                )
        return rules

    @property
    def lookback_seconds(self) -> int:
        return _window_seconds(self.lookback)

    def within_seconds(self, rule: AudienceRule) -> int | None:
        """The rule's window in seconds; None for `ever`."""
        if rule.within == EVER:
            return None
        return _window_seconds(rule.within) if rule.within else self.lookback_seconds

    def rules(self) -> list[tuple[str, int, AudienceRule]]:
        """(include | exclude, 1-based index, rule) for every rule."""
        return [("include", i, r) for i, r in enumerate(self.include, start=1)] + [
            ("exclude", i, r) for i, r in enumerate(self.exclude, start=1)
        ]


def check_audiences(audiences: list[Audience], info: ValidationInfo) -> list[Audience]:
    """Names are unique and every rule names a catalog micro-conversion or `purchase` (like funnel
    steps, a typo would otherwise give an empty audience). Reads the catalog's micro_conversions,
    validated before this field."""
    names = [a.name for a in audiences]
    for name in sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"audience name {name!r} is used twice; names must be unique")
    micro = info.data.get("micro_conversions")
    if micro is None:  # the catalog itself failed; its own error says why
        return audiences
    known = sorted({m.name for m in micro} | {MACRO})
    for audience in audiences:
        for kind, index, rule in audience.rules():
            if rule.conversion in known:
                continue
            close = difflib.get_close_matches(rule.conversion, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"audience {audience.name!r} {kind} {index} {rule.conversion!r} is not a micro-conversion of "
                f"the catalog; {hint}use one of: {', '.join(known)} (purchase: the person's orders; a GA4 "
                "event needs a micro_conversions entry first)"
            )
    return audiences


Audiences = Annotated[list[Audience], AfterValidator(check_audiences)]


def config_rows(audiences: Iterable[Audience]) -> dict[str, list[dict]]:
    """The audiences as the rows of raw_config.audiences and raw_config.audience_rules; each rule's
    window resolved to seconds (null: ever), so SQL needs no defaulting."""
    audiences = list(audiences)
    return {
        "audiences": [
            {"audience_name": a.name, "description": a.description, "lookback_seconds": a.lookback_seconds}
            for a in audiences
        ],
        "audience_rules": [
            {
                "audience_name": a.name,
                "rule_type": kind,
                "rule_index": index,
                "conversion_name": rule.conversion,
                "at_least": rule.at_least,
                "within_seconds": a.within_seconds(rule),
            }
            for a in audiences
            for kind, index, rule in a.rules()
        ],
    }


@dataclass(frozen=True)
class Occurrence:
    """One micro-conversion (or order: `purchase`) of a person."""

    conversion: str
    at: datetime


def members_as_of(
    audience: Audience, occurrences: Mapping[str, Collection[Occurrence]], as_of: datetime
) -> dict[str, datetime]:
    """{person: entered_at} of the audience as of `as_of`: the reference reading of the rules (module
    docstring) that fct_audience_members must agree with."""
    members = {}
    for person, person_occurrences in occurrences.items():
        entered = _entered_at(audience, person_occurrences, as_of)
        if entered is not None:
            members[person] = entered
    return members


def _entered_at(audience: Audience, occurrences: Collection[Occurrence], as_of: datetime) -> datetime | None:
    moments = []
    for kind, _, rule in audience.rules():
        seconds = audience.within_seconds(rule)
        start = None if seconds is None else as_of - timedelta(seconds=seconds)
        times = sorted(o.at for o in occurrences if o.conversion == rule.conversion and o.at <= as_of)
        inside = [t for t in times if start is None or t > start]
        if kind == "include":
            if len(inside) < rule.at_least:
                return None
            moments.append(inside[rule.at_least - 1])
        else:
            if inside:
                return None
            older = [t for t in times if start is not None and t <= start]
            if older:
                moments.append(older[-1] + timedelta(seconds=seconds))
    return max(moments)
