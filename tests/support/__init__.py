"""The one home of test helpers. Import them as `from tests.support.<module> import <name>`.

- `dbt`: run dbt on a throwaway warehouse (the only place tests and bench start dbt).
- `warehouse`: read a DuckDB file read-only (rows, dicts, one value, table names).
- `environment`: the offline test environment and temp-warehouse settings (fixtures in tests/conftest.py).
- `funnel_warehouse`: hand-written inputs for the funnel engine, and random persons.
- `sources`: the API sources' raw tables, ground truth and fast retries.
- `identity`: a sandbox world loaded into a warehouse with the identity models built on it.

Test modules never import each other: what two tests share lives here.
"""
