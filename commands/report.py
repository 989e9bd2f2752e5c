"""`microfunnel report`: one self-contained HTML file of the serving snapshot, for marketers.

Charts are plotly figures (`report_sections` builds them from the published marts only, so the
report never disagrees with BI); plotly.js and the data are inlined once, so the file opens from
disk with no network. A missing or empty mart becomes a sentence saying so, never a crash.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from commands import report_format as fmt
from commands.report_actions import audience_section, experiment_section
from commands.report_charts import (
    Section,
    funnel_section,
    published,
    reporting_currency,
    time_to_convert_section,
    trend_section,
)
from commands.report_marketing import campaign_section, impact_section, paths_section
from commands.summary import mart_rows

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1320px;
padding:0 1.5rem;color:#222}
h1{margin-bottom:.2rem}h2{margin:2.4rem 0 .3rem;border-top:1px solid #e3e6ea;padding-top:1.2rem}
p.intro{color:#444;max-width:80ch;margin:.2rem 0 .8rem}p.note{color:#8a5a00;background:#fff6e0;
padding:.5rem .8rem;border-radius:4px;max-width:90ch}small{color:#666}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem}
@media (max-width:1000px){.grid{grid-template-columns:minmax(0,1fr)}}
table{border-collapse:collapse;margin:.6rem 0 1rem}td,th{padding:.3rem .7rem;border-bottom:1px solid #e3e6ea;
text-align:right;white-space:nowrap}td:first-child,th:first-child{text-align:left}
th{font-weight:600;white-space:normal;vertical-align:bottom;max-width:9rem}
.two-text td:nth-child(2),.two-text th:nth-child(2){text-align:left}
.kpis td{font-size:1.25rem;font-weight:600}.kpis th{font-weight:400;color:#555}
"""
GRID_SECTIONS = {"Funnels", "Time to convert"}  # several small charts side by side


def report_sections(connection: duckdb.DuckDBPyConnection) -> list[Section]:
    """Every section of the report, in reading order, from the marts this snapshot publishes."""
    tables = published(connection)
    currency = reporting_currency(connection, tables)
    return [
        funnel_section(connection, tables),
        trend_section(connection, tables),
        time_to_convert_section(connection, tables),
        paths_section(connection, tables),
        impact_section(connection, tables),
        campaign_section(connection, tables, currency),
        experiment_section(connection, tables),
        audience_section(connection, tables),
    ]


def headline(connection: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The period and the totals a reader checks first: persons, sessions, orders, revenue."""
    tables = published(connection)
    cells: list[tuple[str, str]] = []
    if "fct_sessions" in tables:
        first, last, sessions = connection.execute(
            "select min(date_day), max(date_day), count(*) from marts.fct_sessions"
        ).fetchone()
        if first is not None:
            cells.append(("period", f"{first:%d %b %Y} – {last:%d %b %Y}"))
        cells.append(("sessions", fmt.count(sessions)))
    if "dim_persons" in tables:
        cells.append(
            ("persons", fmt.count(connection.execute("select count(*) from marts.dim_persons").fetchone()[0]))
        )
    if "fct_orders" in tables:
        orders, revenue, currency, currencies = connection.execute(
            "select count(*) filter (where not is_cancelled), sum(revenue), any_value(currency), "
            "count(distinct currency) from marts.fct_orders"
        ).fetchone()
        cells.append(("orders", fmt.count(orders)))
        if (
            currencies == 1
        ):  # revenue is in the orders' (shop) currency; a sum across currencies means nothing
            cells.append(("revenue", fmt.money(revenue, currency)))
    return [label for label, _ in cells], [value for _, value in cells]


def _table(headers: list[str], rows: list[list[str]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><tr>{head}</tr>{body}</table>'


def _section_html(section: Section, plotly_js_written: bool) -> tuple[str, bool]:
    parts = [f"<h2>{html.escape(section.title)}</h2>", f'<p class="intro">{html.escape(section.intro)}</p>']
    charts = []
    for figure in section.figures:
        charts.append(
            figure.to_html(
                full_html=False,
                include_plotlyjs=not plotly_js_written,
                config={"displaylogo": False, "responsive": True},
            )
        )
        plotly_js_written = True
    if charts:
        grid = section.title in GRID_SECTIONS and len(charts) > 1
        parts.append(f'<div class="grid">{"".join(charts)}</div>' if grid else "".join(charts))
    if section.table:
        parts.append(_table(*section.table, css="two-text"))  # campaign, platform, then numbers
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    return "".join(parts), plotly_js_written


def default_report_path(serving: Path) -> Path:
    """report.html beside the serving file: the demo and `microfunnel report` write it there."""
    return Path(serving).with_name("report.html")


def write_report(serving: Path, out: Path) -> Path:
    """Render the report of the snapshot at `serving` (opened read-only) into `out`; returns `out`."""
    if not Path(serving).is_file():
        raise FileNotFoundError(
            f"no serving snapshot at {serving}: run `microfunnel run` (or `make demo`) first, "
            "or pass --serving PATH"
        )
    with duckdb.connect(str(serving), read_only=True) as connection:
        sections = report_sections(connection)
        kpis = headline(connection)
        rows = mart_rows(connection)
    made = datetime.now(UTC).strftime("%d %b %Y %H:%M UTC")
    parts = [
        "<h1>microfunnel report</h1>",
        f"<small>snapshot {html.escape(str(serving))} · written {made}</small>",
        _table(kpis[0], [kpis[1]], css="kpis") if kpis[0] else "",
    ]
    plotly_js_written = False
    for section in sections:
        text, plotly_js_written = _section_html(section, plotly_js_written)
        parts.append(text)
    parts.append("<h2>What the snapshot holds</h2>")
    parts.append(_table(["mart", "rows"], [[name, fmt.count(count)] for name, count in rows.items()]))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>microfunnel report</title>'
        f"<style>{STYLE}</style></head><body>" + "".join(parts) + "</body></html>",
        encoding="utf-8",
    )
    return out
