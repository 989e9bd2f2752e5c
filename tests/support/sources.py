"""What the API source tests share: the world they load, its truth, raw tables and their keys,
fast retries, a dbt build of the staging models, exception text.

Fixtures built on these (a sandbox server per test, `load`, `dbt_build`) are in tests/sources/conftest.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from microfunnel.settings import DBT_PROJECT_DIR
from sandbox.ad_conversions import platform_conversions, reported
from sandbox.simulate import World, WorldSpec
from tests.support.dbt import run_dbt

SPEC = WorldSpec(seed=13, persons=150, days=10, start_date=date(2026, 10, 20))  # crosses the DST change
FAST_RETRIES = {
    "SOURCES__BACKOFF_SECONDS": "0.01",
    "SOURCES__MAX_ATTEMPTS": "4",
    "SOURCES__TIMEOUT_SECONDS": "1.0",
    "SOURCES__MAX_RETRY_WAIT": "5",
}
# Only these folders of the dbt project are built by the source tests (see `build_source_models`).
DBT_MODEL_FOLDERS = ("staging/shopify", "staging/google_ads", "staging/meta_ads", "intermediate/ads")

RAW_TABLES = {
    "google_ads": {
        "campaigns": "campaign__id",
        "campaign_stats": "campaign__id || segments__date",
        "click_view": "click_view__gclid",
    },
    "meta_ads": {
        "ad_account": "account_id",
        "campaigns": "id",
        "campaign_insights": "campaign_id || date_start",
    },
    "shopify": {"shop": "id", "orders": "id", "order_lines": "id", "customers": "id"},
    "klaviyo": {"events": "id", "profiles": "id", "campaigns": "id", "flows": "id"},
}
# (source, the env var of a secret, the endpoint that checks it)
SECRET_KEYS = [
    ("google_ads", "SOURCES__GOOGLE_ADS__REFRESH_TOKEN", "token"),
    ("google_ads", "SOURCES__GOOGLE_ADS__CLIENT_SECRET", "token"),
    ("meta_ads", "SOURCES__META_ADS__ACCESS_TOKEN", "ad_account"),  # the first request of a load
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


@dataclass(frozen=True)
class Truth:
    """What the world generated, in the units the warehouse should show."""

    world: World

    def campaign_days(self, platform: str) -> int:
        return sum(1 for d in self.world.campaign_days if d.platform == platform)

    def clicks(self, platform: str) -> int:
        return sum(1 for c in self.world.ad_clicks if c.platform == platform)

    def spend(self, platform: str) -> Decimal:
        micros = sum(d.cost_micros for d in self.world.campaign_days if d.platform == platform)
        return Decimal(micros) / 1_000_000

    def revenue(self) -> Decimal:
        return sum((o.total for o in self.world.orders), Decimal("0"))

    def refunded(self) -> Decimal:
        return sum((r.amount for o in self.world.orders for r in o.refunds), Decimal("0"))

    def order_lines(self) -> int:
        return sum(len(o.lines) for o in self.world.orders)

    def raw_counts(self, source: str) -> dict[str, int]:
        """Rows each raw table of `source` should hold after loading the whole world."""
        if source == "google_ads":
            return {
                "campaigns": 3,
                "campaign_stats": self.campaign_days("google_ads"),
                "click_view": self.clicks("google_ads"),
            }
        if source == "meta_ads":
            return {"ad_account": 1, "campaigns": 2, "campaign_insights": self.campaign_days("meta_ads")}
        return {
            "shop": 1,
            "orders": len(self.world.orders),
            "order_lines": self.order_lines(),
            "customers": len(self.world.customers),
        }

    def conversions(self, platform: str, as_of=None) -> tuple[int, Decimal]:
        claims = reported(platform_conversions(self.world), as_of)
        picked = [v for k, v in claims.items() if k[0] == platform]
        return sum(n for n, _ in picked), sum((v for _, v in picked), Decimal("0"))


def build_source_models(warehouse: Path, scratch: Path) -> None:
    """`dbt build` of our staging + ads models on `warehouse`, in a copy of the project under `scratch`.

    A copy holding only DBT_MODEL_FOLDERS (and the project's dbt_project.yml and macros), so the
    source tests measure these models and stay green while other folders are being edited.
    """
    project = scratch / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR / "macros", project / "macros")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DBT_PROJECT_DIR / name, project / name)
    for folder in DBT_MODEL_FOLDERS:
        shutil.copytree(DBT_PROJECT_DIR / "models" / folder, project / "models" / folder)
    run_dbt("build", warehouse=warehouse, project_dir=project, scratch=scratch)
