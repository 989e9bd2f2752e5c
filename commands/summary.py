"""The short report `make demo` ends with: rows per mart, each funnel's steps, the top campaigns by
ROAS under each attribution model (reporting currency), identity scores."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from microfunnel.settings import Settings


def mart_rows(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall()
    return {
        name: connection.execute(f'select count(*) from marts."{name}"').fetchone()[0] for (name,) in tables
    }


def funnel_steps(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(funnel, step_index, step label, persons, conversion from previous, conversion from first).

    Read from marts.fct_funnel_summary: funnel rates are computed in dbt only (rule 15 of
    DECISIONLOG's funnel semantics), so the summary, the report and the marts cannot disagree.
    """
    return connection.execute("""
        select funnel_name, step_index, step_label, persons_reached,
               conversion_from_previous, conversion_from_first
        from marts.fct_funnel_summary
        order by funnel_name, step_index
    """).fetchall()


ATTRIBUTION_MODELS = ("first_touch", "last_non_direct", "linear", "time_decay", "position_based")


def top_campaigns(connection: duckdb.DuckDBPyConnection, model: str, limit: int = 3) -> list[tuple]:
    """(campaign, spend, revenue, ROAS, new-customer CAC, currency) of the best `limit` campaigns by ROAS
    under `model` over the whole period, money in the reporting currency."""
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"unknown attribution model {model!r}; one of {', '.join(ATTRIBUTION_MODELS)}")
    return connection.execute(f"""
        select
            platform || ' / ' || coalesce(any_value(campaign_name), campaign_id) as campaign,
            sum(spend) as spend,
            sum(revenue_{model}) as revenue,
            sum(revenue_{model}) / nullif(sum(spend), 0) as roas,
            sum(spend) / nullif(sum(new_customers), 0) as new_customer_cac,
            any_value(reporting_currency) as currency
        from marts.fct_campaign_performance_daily
        group by platform, campaign_id
        having sum(spend) > 0
        order by roas desc, campaign
        limit {int(limit)}
    """).fetchall()


def _print_top_campaigns(connection: duckdb.DuckDBPyConnection) -> None:
    print("\ntop campaigns by ROAS per attribution model (spend, revenue and CAC in the reporting currency):")
    for model in ATTRIBUTION_MODELS:
        print(f"  {model}")
        for rank, (campaign, spend, revenue, roas, cac, currency) in enumerate(
            top_campaigns(connection, model), start=1
        ):
            cac_text = f"{cac:,.2f}" if cac is not None else "-"
            print(
                f"    {rank}. {campaign:44} ROAS {roas:6.2f}  spend {spend:>10,.2f} {currency}  "
                f"revenue {revenue:>10,.2f}  new-customer CAC {cac_text}"
            )


def print_summary(
    settings: Settings,
    identity_scores: Callable[[], dict[str, float]] | None = None,
    wall_seconds: float | None = None,
) -> None:
    """`identity_scores`: the sandbox's scores of the served persons against its world's truth
    (`sandbox.served_world.identity_scores`), asked for when they are printed."""
    with duckdb.connect(str(settings.serving_path), read_only=True) as connection:
        rows = mart_rows(connection)
        print(f"\nmarts in {settings.serving_path}:")
        for name, count in rows.items():
            print(f"  {name:36} {count:>10,} rows")
        if "fct_funnel_summary" in rows:
            print("\nfunnels (persons reaching each step; conversion from previous / from first step):")
            current = None
            for funnel, index, step, persons, previous, first in funnel_steps(connection):
                if funnel != current:
                    print(f"  {funnel}")
                    current = funnel
                rates = "" if index == 1 else f"  {previous:6.1%} / {first:6.1%}"
                print(f"    {index}. {step:24} {persons:>8,}{rates}")
        if "fct_campaign_performance_daily" in rows:
            _print_top_campaigns(connection)
    if identity_scores is not None and "dim_person_identifiers" in rows:
        scores = identity_scores()
        print(
            f"\nidentity vs ground truth: pairwise precision {scores['precision']:.4f}, "
            f"recall {scores['recall']:.4f}; orders on their buyer {scores['orders_right']:.4f}"
        )
    if wall_seconds is not None:
        print(f"\nwall time: {wall_seconds:.0f} s")
