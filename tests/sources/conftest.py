"""Fixtures for the API sources: one small world, a real sandbox HTTP server per test, temp warehouses.

Every test talks HTTP to the emulator on 127.0.0.1 (nothing is mocked) with retries made fast
through the sources' own config (SOURCES__BACKOFF_SECONDS etc.), so the whole folder runs in
well under a minute or two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.pipelines import make_pipeline, run_source
from microfunnel.settings import DBT_PROJECT_DIR, Settings, load_settings
from sandbox.ad_conversions import platform_conversions, reported
from sandbox.server import SandboxServer
from sandbox.simulate import World, WorldSpec, simulate

SPEC = WorldSpec(seed=13, persons=150, days=10)
FAST_RETRIES = {
    "SOURCES__BACKOFF_SECONDS": "0.01",
    "SOURCES__MAX_ATTEMPTS": "4",
    "SOURCES__TIMEOUT_SECONDS": "1.0",
    "SOURCES__MAX_RETRY_WAIT": "5",
}
# Only these folders of the dbt project are built by the source tests (see `dbt_build`).
DBT_MODEL_FOLDERS = ("staging/shopify", "staging/google_ads", "staging/meta_ads", "intermediate/ads")


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


@pytest.fixture(scope="session")
def world() -> World:
    return simulate(SPEC)


@pytest.fixture(scope="session")
def truth(world: World) -> Truth:
    return Truth(world)


@pytest.fixture
def server(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A fresh emulator (fresh fault counters and credentials), with the sources pointed at it."""
    with SandboxServer(world) as sandbox:
        for key, value in {**sandbox.source_env(), **FAST_RETRIES}.items():
            monkeypatch.setenv(key, value)
        yield sandbox


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")})


@pytest.fixture
def load(settings: Settings) -> Callable:
    """Load one source into the temp warehouse, exactly as `python -m ingestion <source>` does."""
    return lambda source, **kwargs: run_source(source, settings, **kwargs)


@pytest.fixture
def pipeline(settings: Settings) -> Callable:
    return lambda source: make_pipeline(source, settings)


@pytest.fixture
def query(settings: Settings) -> Callable[[str], list[tuple]]:
    def run(sql: str) -> list[tuple]:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    return run


@pytest.fixture
def dbt_build(settings: Settings, tmp_path: Path) -> Callable[[], None]:
    """`dbt build` of our staging + ads models on the temp warehouse, in a copy of the project.

    A copy holding only DBT_MODEL_FOLDERS (and the project's dbt_project.yml and macros), so the
    source tests measure these models and stay green while other folders are being edited.
    """

    def build() -> None:
        project = tmp_path / "dbt_project"
        shutil.copytree(DBT_PROJECT_DIR / "macros", project / "macros")
        for name in ("dbt_project.yml", "profiles.yml"):
            shutil.copy(DBT_PROJECT_DIR / name, project / name)
        for folder in DBT_MODEL_FOLDERS:
            shutil.copytree(DBT_PROJECT_DIR / "models" / folder, project / "models" / folder)
        # A subprocess: dbt-duckdb keeps its connection open for the life of the process.
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "build",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                str(tmp_path / "dbt_target"),
            ],
            env={**os.environ, "WAREHOUSE_PATH": str(settings.warehouse_path)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"dbt build failed:\n{done.stdout[-4000:]}"

    return build
