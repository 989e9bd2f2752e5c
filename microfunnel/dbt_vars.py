"""The dbt project's declared vars, for the Python code that must agree with the models.

`dbt_project/dbt_project.yml` declares every var once, with its default, under `vars:`. A number
the models and a source both depend on (the GA4 revision window) is read from there, so there is
one place to change it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from microfunnel.settings import DBT_PROJECT_DIR


@cache
def declared_vars(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    """The `vars:` block of dbt_project.yml: var name -> its default."""
    path = project_dir / "dbt_project.yml"
    return dict(yaml.safe_load(path.read_text()).get("vars") or {})


def dbt_var_default(name: str, project_dir: Path = DBT_PROJECT_DIR) -> Any:
    """The default of one declared var; a KeyError names the file and the fix when it is missing."""
    variables = declared_vars(project_dir)
    if name not in variables:
        raise KeyError(
            f"dbt var {name!r} is not declared under vars: in {project_dir / 'dbt_project.yml'}; "
            "declare it there with its default"
        )
    return variables[name]
