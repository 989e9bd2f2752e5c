"""When an incremental model is rebuilt whole (dbt_project/macros/should_full_refresh.sql): dbt's rule,
the model's `full_refresh` config first, then the --full-refresh flag, plus one more: a table built
when a column had an older type (meta.rebuild_when_built_as) is rebuilt once.

The macro is rendered with plain Jinja, dbt's context stubbed: `return` raises, as dbt's does.
"""

from __future__ import annotations

from types import SimpleNamespace

import jinja2
import pytest

from microfunnel.settings import DBT_PROJECT_DIR


class Returned(Exception):
    def __init__(self, value):
        super().__init__(value)
        self.value = value


def _return(value):
    raise Returned(value)


def should_full_refresh(*, configured, flag: bool, event_params_type: str | None) -> bool:
    """The macro's answer for a model with `full_refresh: configured`, the flag, and its table's
    event_params column type (None: no table yet)."""
    meta = {"rebuild_when_built_as": {"event_params": "MAP"}}
    config = SimpleNamespace(get=lambda key: {"full_refresh": configured, "meta": meta}.get(key))
    column = SimpleNamespace(name="event_params", data_type=event_params_type)
    columns = [] if event_params_type is None else [column]
    adapter = SimpleNamespace(
        get_relation=lambda *args: None if event_params_type is None else "the table",
        get_columns_in_relation=lambda relation: columns,
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DBT_PROJECT_DIR / "macros"), extensions=["jinja2.ext.do"]
    )
    env.globals.update(
        config=config,
        flags=SimpleNamespace(FULL_REFRESH=flag),
        adapter=adapter,
        execute=True,
        this="staging.stg_ga4__events",
        log=lambda *args, **kwargs: "",
    )
    env.globals["return"] = _return
    module = env.get_template("should_full_refresh.sql").module
    with pytest.raises(Returned) as answer:
        module.should_full_refresh()
    return answer.value.value


LIST_TYPE = "STRUCT(key VARCHAR, value VARCHAR)[]"


@pytest.mark.parametrize(
    ("configured", "flag", "event_params_type", "rebuilt"),
    [
        (None, False, LIST_TYPE, False),  # a daily run: incremental
        (None, True, LIST_TYPE, True),  # --full-refresh
        (None, False, "MAP(VARCHAR, VARCHAR)", True),  # built with the old type: rebuilt once
        (None, False, None, False),  # no table yet: dbt builds it anyway, no rebuild asked
        (False, True, "MAP(VARCHAR, VARCHAR)", False),  # full_refresh: false never rebuilds, as in dbt
        (True, False, LIST_TYPE, True),  # full_refresh: true always does
    ],
)
def test_the_models_own_config_wins_then_the_flag_then_an_older_column_type(
    configured, flag, event_params_type, rebuilt
):
    answer = should_full_refresh(configured=configured, flag=flag, event_params_type=event_params_type)
    assert answer is rebuilt
