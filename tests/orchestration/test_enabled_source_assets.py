"""Only the enabled sources' raw tables are assets: a switched-off source is not in the graph."""

from ingestion.registry import SourceSelection
from orchestration.assets.ingestion import enabled_source_assets


def asset_keys(sources: tuple[str, ...]) -> set[str]:
    assets = enabled_source_assets(SourceSelection(sources, "test"))
    return {key.to_user_string() for definition in assets for key in definition.keys}


def test_ga4_alone_has_only_the_catalog_and_ga4_events_as_raw_assets():
    keys = asset_keys(("config", "ga4"))
    assert "raw_ga4/events" in keys
    assert not {key for key in keys if key.split("/")[0] not in ("raw_config", "raw_ga4")}


def test_an_enabled_source_has_one_asset_per_declared_table():
    keys = asset_keys(("config", "ga4", "shopify"))
    assert {"raw_shopify/orders", "raw_shopify/order_lines", "raw_shopify/customers"} <= keys
    assert not any(key.startswith(("raw_meta_ads", "raw_google_ads")) for key in keys)
