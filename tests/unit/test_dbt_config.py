"""The dbt project's configuration is declared once (issue 15): read from the project's text, no dbt run.

- every var is declared under `vars:` in dbt_project.yml, with the `microfunnel__` prefix and its
  default, and no `var()` call repeats a default inline;
- the GA4 revision window is written once, as a var both identity models read;
- every macro is documented in macros/_macros.yml;
- no intermediate model reads a mart.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from microfunnel.settings import DBT_PROJECT_DIR, PROJECT_ROOT

VAR_CALL = re.compile(r"""\bvar\(\s*(['"])(?P<name>[^'"]+)\1\s*(?P<default>,)?""")
MACRO_DEFINITION = re.compile(r"{%-?\s*macro\s+(?P<name>\w+)\s*\(")
REF_CALL = re.compile(r"""\bref\(\s*['"](?P<name>\w+)['"]\s*\)""")
PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


def declared_vars() -> dict:
    """The `vars:` block of dbt_project.yml: var name -> its default."""
    return dict(yaml.safe_load(PROJECT_FILE.read_text()).get("vars") or {})


def project_files() -> list[Path]:
    """The SQL and YAML that dbt renders, dbt_project.yml itself left out (see the var test)."""
    folders = ("models", "macros", "data-tests", "seeds", "snapshots", "analyses")
    return sorted(
        path
        for folder in folders
        for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.suffix in {".sql", ".yml", ".yaml"}
    )


def var_calls() -> list[tuple[Path, str, bool]]:
    """(file, var name, whether a default is given inline) for every var() call."""
    return [
        (path, match["name"], match["default"] is not None)
        for path in project_files()
        for match in VAR_CALL.finditer(path.read_text())
    ]


def test_every_var_used_is_declared_in_dbt_project_yml_with_the_project_prefix():
    declared = declared_vars()
    calls = var_calls()
    assert calls, "no var() call found: the pattern no longer matches the project's SQL"
    undeclared = sorted(
        {f"{path.relative_to(DBT_PROJECT_DIR)}: {name}" for path, name, _ in calls if name not in declared}
    )
    assert not undeclared, f"declare these under vars: in {PROJECT_FILE}: {undeclared}"
    unprefixed = sorted(name for name in declared if not name.startswith("microfunnel__"))
    assert not unprefixed, f"rename to microfunnel__<name> in {PROJECT_FILE} and every caller: {unprefixed}"


def test_no_var_call_repeats_a_default_inline():
    inline = sorted(
        {
            f"{path.relative_to(DBT_PROJECT_DIR)}: {name}"
            for path, name, has_default in var_calls()
            if has_default
        }
    )
    assert not inline, f"drop the inline default (it lives under vars: in {PROJECT_FILE}): {inline}"


def test_every_declared_var_is_used_by_some_model_or_macro():
    used = {name for _, name, _ in var_calls()}
    assert not set(declared_vars()) - used, f"unused vars in {PROJECT_FILE}: {set(declared_vars()) - used}"


def test_no_ga4_day_window_is_written_anywhere():
    # A GA4 day is re-exported at any age (the source loads every changed file), so nothing that
    # reads GA4 events may assume only the newest days change (tests/identity covers the behaviour).
    assert "microfunnel__ga4_lookback_days" not in declared_vars()
    ga4_source = PROJECT_ROOT / "ingestion" / "sources" / "ga4"
    repeated = [
        path.name for path in ga4_source.glob("*.py") if re.search(r"LOOKBACK|lookback", path.read_text())
    ]
    assert not repeated, f"the GA4 source reads files by modification time, not a day window: {repeated}"


def test_every_macro_is_documented_in_macros_yml():
    documented = {
        macro["name"]
        for macro in yaml.safe_load((DBT_PROJECT_DIR / "macros" / "_macros.yml").read_text())["macros"]
    }
    defined = {
        match["name"]
        for path in (DBT_PROJECT_DIR / "macros").glob("*.sql")
        for match in MACRO_DEFINITION.finditer(path.read_text())
    }
    # Adapter implementations (default__x, duckdb__x) are documented by their dispatching macro x.
    public = {name for name in defined if "__" not in name}
    assert {name.split("__", 1)[1] for name in defined - public} <= public
    assert not public - documented, f"document these in macros/_macros.yml: {sorted(public - documented)}"
    assert not documented - defined, (
        f"_macros.yml documents macros that no longer exist: {documented - defined}"
    )


def test_no_intermediate_model_reads_a_mart():
    models = DBT_PROJECT_DIR / "models"
    marts = {path.stem for path in (models / "marts").rglob("*.sql")}
    assert marts
    upward = sorted(
        f"{path.relative_to(models)} -> {match['name']}"
        for layer in ("staging", "intermediate")
        for path in (models / layer).rglob("*.sql")
        for match in REF_CALL.finditer(path.read_text())
        if match["name"] in marts
    )
    assert not upward, f"move the shared logic into an intermediate model both read: {upward}"
