"""The source registry: each source declared once, chosen in one place, with clear errors."""

from pathlib import Path

import pytest
import yaml

from ingestion.registry import (
    FEEDS,
    REGISTERED,
    SourceSelection,
    all_specs,
    enabled_sources,
    raw_tables,
    selectable_sources,
    spec,
)
from microfunnel.conversions import ConfigError
from microfunnel.settings import DBT_PROJECT_DIR, PROJECT_ROOT, load_settings


def catalog_with(tmp_path: Path, sources_line: str) -> Path:
    text = (PROJECT_ROOT / "conversions.yml").read_text()
    path = tmp_path / "conversions.yml"
    path.write_text(text + "\n" + sources_line + "\n")
    return path


def selection(tmp_path, env: dict, sources_line: str = "") -> SourceSelection:
    env = {"CONVERSIONS_CONFIG": str(catalog_with(tmp_path, sources_line)), **env}
    return enabled_sources(load_settings(env), env)


def test_conversions_yml_sources_list_decides_which_sources_are_on(tmp_path):
    chosen = selection(tmp_path, {}, "sources: [ga4, shopify]")
    assert chosen.enabled == ("config", "ga4", "shopify")
    assert "sources:" in chosen.decided_by


def test_the_env_var_overrides_conversions_yml(tmp_path):
    chosen = selection(tmp_path, {"MICROFUNNEL_SOURCES": "ga4,meta_ads"}, "sources: [ga4, shopify]")
    assert chosen.enabled == ("config", "ga4", "meta_ads", "ecb_rates")  # the ad source brings ecb_rates


def test_an_unknown_source_is_named_with_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as caught:
        selection(tmp_path, {}, "sources: [ga4, tiktok_ads]")
    message = str(caught.value)
    assert "conversions.yml: sources" in message and "'tiktok_ads'" in message
    assert "known sources: ga4, google_ads, meta_ads, shopify" in message


def test_ga4_cannot_be_switched_off(tmp_path):
    with pytest.raises(ConfigError, match="ga4 cannot be switched off"):
        selection(tmp_path, {"MICROFUNNEL_SOURCES": "shopify"})


def test_without_a_list_every_source_with_credentials_is_on(tmp_path, monkeypatch):
    for name in ("GOOGLE_ADS", "SHOPIFY", "META_ADS"):
        for key in ("CUSTOMER_ID", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "BASE_URL", "ACCESS_TOKEN"):
            monkeypatch.delenv(f"SOURCES__{name}__{key}", raising=False)
    monkeypatch.setenv("SOURCES__META_ADS__ACCOUNT_ID", "123")
    monkeypatch.setenv("SOURCES__META_ADS__ACCESS_TOKEN", "token")
    import os

    chosen = enabled_sources(
        load_settings(), {k: v for k, v in os.environ.items() if k != "MICROFUNNEL_SOURCES"}
    )
    # ecb_rates needs no credentials and comes with any ad source: it converts the spend
    assert chosen.enabled == ("config", "ga4", "meta_ads", "ecb_rates")


def test_the_ecb_rates_come_with_an_ad_source_and_stay_off_without_one(tmp_path):
    assert selection(tmp_path, {"MICROFUNNEL_SOURCES": "ga4,shopify"}).enabled == ("config", "ga4", "shopify")
    with_ads = selection(tmp_path, {"MICROFUNNEL_SOURCES": "ga4,google_ads"})
    assert with_ads.enabled == ("config", "ga4", "google_ads", "ecb_rates")
    assert with_ads.dbt_vars()["microfunnel__sources"]["ecb_rates"] == []


def test_ga4_alone_gives_dbt_only_ga4_and_its_feeds(tmp_path):
    chosen = selection(tmp_path, {"MICROFUNNEL_SOURCES": "ga4"})
    assert chosen.dbt_vars() == {"microfunnel__sources": {"ga4": ["identity_edges", "person_events"]}}


def test_the_dbt_default_of_microfunnel_sources_is_every_registered_source():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    everything = SourceSelection(tuple(REGISTERED), "test").feeds()
    assert project["vars"]["microfunnel__sources"] == everything, (
        "dbt_project.yml vars: microfunnel__sources must list every registered source; paste:\n"
        + yaml.safe_dump({"microfunnel__sources": everything}, default_flow_style=None)
    )


def test_every_source_but_the_required_one_switches_its_dbt_folders_with_it():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    for name in selectable_sources():
        if spec(name).required:
            continue
        switch = f"{{{{ '{name}' in var('microfunnel__sources', ['{name}']) }}}}"
        models = project["models"]["microfunnel"]["staging"].get(name, {})
        sources = project["sources"]["microfunnel"]["staging"].get(name, {})
        assert models.get("+enabled") == switch and sources.get("+enabled") == switch, (
            f"dbt_project.yml: add under models: microfunnel: staging: and sources: microfunnel: staging:\n"
            f'      {name}:\n        +enabled: "{switch}"'
        )


def test_each_source_declares_known_feeds_and_its_tables_once():
    for source in all_specs():
        assert set(source.feeds) <= set(FEEDS)
        assert source.tables, f"{source.name} declares no raw table"
    assert raw_tables()["shopify"] == ("shop", "orders", "order_lines", "customers")


def test_each_source_functions_resources_are_exactly_its_declared_tables(tmp_path):
    (tmp_path / "events_20261001.json").write_text("")
    # Sources reading files need real paths; an API source takes a placeholder for each credential
    # (building the source makes no request), so a newly registered source needs no line here.
    arguments = {
        "config": {"catalog_path": str(PROJECT_ROOT / "conversions.yml")},
        "ga4": {"bucket_url": str(tmp_path)},
    }
    for source in all_specs():
        placeholders = {
            key: "http://127.0.0.1:9" if key.endswith("url") else "1" for key in source.credentials
        }
        built = source.source_function()(**arguments.get(source.name, placeholders))
        assert set(built.selected_resources) == set(source.tables), source.name


def test_each_sources_required_config_keys_are_its_declared_credentials():
    from dlt.common.configuration.inject import get_fun_spec

    for source in all_specs():
        function = source.source_function()
        config_spec = get_fun_spec(function._f)
        required = {
            name
            for name, field in config_spec.get_resolvable_fields().items()
            if getattr(config_spec(), name, None) is None and "Optional" not in str(field)
        }
        assert required == set(source.credentials), source.name


def test_the_source_tests_raw_table_keys_cover_exactly_the_declared_tables():
    from tests.support.sources import RAW_TABLES

    for source, tables in RAW_TABLES.items():
        assert set(tables) == set(raw_tables()[source]), source


def test_one_retry_policy_is_resolved_per_source_with_the_shared_keys_as_fallback(monkeypatch):
    from ingestion.sources.http import RetryPolicy, retry_policy

    monkeypatch.setenv("SOURCES__MAX_ATTEMPTS", "7")
    monkeypatch.setenv("SOURCES__SHOPIFY__MAX_ATTEMPTS", "2")
    monkeypatch.delenv("SOURCES__TIMEOUT_SECONDS", raising=False)
    assert retry_policy("meta_ads").max_attempts == 7
    assert retry_policy("shopify").max_attempts == 2
    assert retry_policy("google_ads").timeout_seconds == RetryPolicy().timeout_seconds == 60.0
