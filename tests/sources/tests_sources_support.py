"""Helpers the source tests share: raw tables and their keys, row counts, exception text."""

from __future__ import annotations

from collections.abc import Callable

RAW_TABLES = {
    "google_ads": {
        "campaigns": "campaign__id",
        "campaign_stats": "campaign__id || segments__date",
        "click_view": "click_view__gclid",
    },
    "meta_ads": {"campaigns": "id", "campaign_insights": "campaign_id || date_start"},
    "shopify": {"orders": "id", "order_lines": "id", "customers": "id"},
    "klaviyo": {"events": "id", "profiles": "id", "campaigns": "id", "flows": "id"},
}
# (source, the env var of a secret, the endpoint that checks it)
SECRET_KEYS = [
    ("google_ads", "SOURCES__GOOGLE_ADS__REFRESH_TOKEN", "token"),
    ("google_ads", "SOURCES__GOOGLE_ADS__CLIENT_SECRET", "token"),
    ("meta_ads", "SOURCES__META_ADS__ACCESS_TOKEN", "campaigns"),
    ("shopify", "SOURCES__SHOPIFY__ACCESS_TOKEN", "graphql"),
    ("klaviyo", "SOURCES__KLAVIYO__API_KEY", "metrics"),
]


def counts(query: Callable, source: str) -> dict[str, int | None]:
    """Rows per raw table of a source; None for a table that does not exist (nothing was loaded)."""
    existing = {
        name
        for (name,) in query(
            f"select table_name from information_schema.tables where table_schema = 'raw_{source}'"
        )
    }
    return {
        table: query(f"select count(*) from raw_{source}.{table}")[0][0] if table in existing else None
        for table in RAW_TABLES[source]
    }


def keys_are_unique(query: Callable, source: str) -> bool:
    return all(
        query(f"select count(*) = count(distinct {key}) from raw_{source}.{table}") == [(True,)]
        for table, key in RAW_TABLES[source].items()
    )


def messages(exc: BaseException) -> str:
    """The text of an exception and of every exception behind it (what a traceback would print)."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)
