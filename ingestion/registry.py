"""The sources microfunnel knows (one registration each), and which of them are on.

A source is a folder `ingestion/sources/<name>/` whose `settings.py` holds a `SPEC` (see
`ingestion/sources/spec.py`); registering it is adding its name to REGISTERED. Which are on is
decided in one place, `enabled_sources()`, in this order:

1. the env var MICROFUNNEL_SOURCES (`ga4,shopify`), for scripts and CI;
2. `sources: [ga4, shopify]` in conversions.yml;
3. neither: every source whose credentials (or bucket URL) are configured in dlt's config,
   secrets or env vars.

Internal sources (the conversions catalog) are always on and never listed by the user.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from ingestion.sources.spec import FEEDS, SourceSpec
from microfunnel.conversions import ConfigError, check_source_names, load_catalog
from microfunnel.settings import Settings, load_settings

# The registration: one name per folder under ingestion/sources/ whose settings.py defines SPEC.
REGISTERED: tuple[str, ...] = ("config", "ga4", "google_ads", "meta_ads", "shopify", "klaviyo", "ecb_rates")

SOURCES_ENV = "MICROFUNNEL_SOURCES"


@cache
def spec(name: str) -> SourceSpec:
    if name not in REGISTERED:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(REGISTERED)}")
    found = importlib.import_module(f"ingestion.sources.{name}.settings").SPEC
    if found.name != name:
        raise ValueError(
            f"ingestion/sources/{name}/settings.py: SPEC.name is {found.name!r}, expected {name!r}"
        )
    return found


def all_specs() -> list[SourceSpec]:
    return [spec(name) for name in REGISTERED]


def selectable_sources() -> list[str]:
    """The names a user may list in `sources:` / MICROFUNNEL_SOURCES."""
    return [s.name for s in all_specs() if s.selectable]


def raw_tables() -> dict[str, tuple[str, ...]]:
    """{source: its raw table names}: the one list every other list is derived from or tested against."""
    return {s.name: tuple(s.tables) for s in all_specs()}


def missing_credentials(name: str) -> list[str]:
    """The required config keys of a source that dlt cannot resolve (config.toml, secrets.toml, env)."""
    from dlt.common.configuration import resolve_configuration
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.common.configuration.inject import get_fun_spec

    function = spec(name).source_function()
    config_spec = get_fun_spec(getattr(function, "_f", function))
    if config_spec is None:
        return []
    try:
        resolve_configuration(config_spec(), sections=("sources", function.section, function.name))
    except ConfigFieldMissingException as exc:
        return sorted(exc.fields)
    return []


@dataclass(frozen=True)
class SourceSelection:
    """The enabled sources (internal ones included) and where that choice came from."""

    enabled: tuple[str, ...]
    decided_by: str

    def feeds(self) -> dict[str, list[str]]:
        """{enabled source: the feeds it contributes}, the dbt var `microfunnel__sources`."""
        return {name: list(spec(name).feeds) for name in self.enabled if spec(name).selectable}

    def dbt_vars(self) -> dict[str, object]:
        return {"microfunnel__sources": self.feeds()}


def parse_source_list(text: str | list[str], origin: str) -> list[str]:
    """Check a user's list against the registry: unknown names and a missing required source fail."""
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else list(text)
    names = [n for n in names if n]
    check_source_names(names, selectable_sources(), origin)
    required = [s.name for s in all_specs() if s.required and s.name not in names]
    if required:
        raise ConfigError(
            f"{origin}: {', '.join(required)} cannot be switched off (sessions, identity and funnels are "
            f"built from its events); add it, e.g. [{', '.join([*required, *names])}]"
        )
    return list(dict.fromkeys(names))


def enabled_sources(
    settings: Settings | None = None, env: Mapping[str, str] | None = None
) -> SourceSelection:
    """Which sources are on: MICROFUNNEL_SOURCES, else conversions.yml `sources:`, else configured ones."""
    env = os.environ if env is None else env
    settings = settings or load_settings(env)
    internal = [s.name for s in all_specs() if not s.selectable]
    if env.get(SOURCES_ENV, "").strip():
        chosen = parse_source_list(env[SOURCES_ENV], f"env {SOURCES_ENV}")
        return SourceSelection((*internal, *with_companions(chosen)), f"env {SOURCES_ENV}")
    catalog = load_catalog(settings.conversions_config, known_sources=selectable_sources())
    if catalog.sources is not None:
        chosen = parse_source_list(catalog.sources, f"{settings.conversions_config}: sources")
        return SourceSelection(
            (*internal, *with_companions(chosen)), f"{settings.conversions_config} (sources:)"
        )
    configured = [
        s.name
        for s in all_specs()
        if s.selectable and not s.companion_of and (s.required or not missing_credentials(s.name))
    ]
    return SourceSelection(
        (*internal, *with_companions(configured)), "configured credentials (no sources: list)"
    )


def with_companions(chosen: list[str]) -> list[str]:
    """`chosen` plus every companion source one of them needs (ecb_rates when a source feeds ad spend)."""
    feeds = {feed for name in chosen for feed in spec(name).feeds}
    companions = [
        s.name for s in all_specs() if s.companion_of and set(s.companion_of) & feeds and s.name not in chosen
    ]
    return [*chosen, *companions]


__all__ = [
    "FEEDS",
    "REGISTERED",
    "SOURCES_ENV",
    "SourceSelection",
    "SourceSpec",
    "all_specs",
    "enabled_sources",
    "missing_credentials",
    "raw_tables",
    "selectable_sources",
    "spec",
]
