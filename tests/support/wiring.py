"""Is every enabled source wired in? Read from the registry and a parsed dbt manifest.

A source is wired when each raw table it declares is a dbt source, and for each feed it declares
its contribution model (named by convention) reads its raw tables and is read directly by the
shared model of that feed: identity edges by int_identity_edges_unioned, timeline events by
int_person_events, and so on.
"""

from __future__ import annotations

from collections.abc import Iterable

from ingestion.registry import SourceSpec

FEED_TARGETS = {  # feed -> the shared model its contributions must reach
    "identity_edges": "int_identity_edges_unioned",
    "identity_nodes": "int_identity_nodes",
    "person_events": "int_person_events",
    "ad_campaign_days": "int_ad_campaign_days_unioned",
    "orders": "int_macro_conversions",
    "conversion_events": "int_source_action_conversions_matched",
}


def _ancestors(manifest: dict, unique_id: str) -> set[str]:
    parents = manifest["parent_map"]
    seen: set[str] = set()
    stack = [unique_id]
    while stack:
        for parent in parents.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def wiring_problems(manifest: dict, specs: Iterable[SourceSpec]) -> list[str]:
    """One sentence per missing wire (empty when every source is wired in)."""
    models = {
        node["name"]: unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }
    sources = {
        (source["source_name"], source["name"]): unique_id
        for unique_id, source in manifest["sources"].items()
    }
    problems = []
    for spec in specs:
        own = set()
        for table in spec.tables:
            if (spec.dataset, table) in sources:
                own.add(sources[(spec.dataset, table)])
            else:
                problems.append(
                    f"{spec.name}: raw table {spec.dataset}.{table} is not a dbt source "
                    f"(declare it in models/staging/{spec.name}/_{spec.name}__sources.yml)"
                )
        for feed, contribution in spec.contribution_models().items():
            target = FEED_TARGETS.get(feed)
            if target is None:
                problems.append(f"{spec.name}: feed {feed} has no shared model in tests/support/wiring.py")
            elif contribution not in models:
                problems.append(f"{spec.name}: feeds {feed} but has no model {contribution}")
            elif target not in models:
                problems.append(f"{spec.name}: feeds {feed} but {target} is not built")
            elif models[contribution] not in manifest["parent_map"].get(models[target], []):
                problems.append(f"{spec.name}: feeds {feed} but {target} does not read {contribution}")
            elif not own & _ancestors(manifest, models[contribution]):
                problems.append(f"{spec.name}: feeds {feed} but {contribution} reads none of its raw tables")
    return problems
