"""Property filters (`where:`) on funnel steps, exclusions and action micro-conversions.

A filter is a mapping from a *property path* to a *condition*; every condition must hold::

    where: {item.item_category: Shoes, value: {gte: 50}, device.category: {in: [mobile, tablet]}}

This module is the one definition of what a path may name, which operators exist and what
they mean: `conversions.py` validates the file with `parse_where`, the sandbox ground truth
evaluates conditions in Python with `condition_holds`, and the dbt macro
`property_condition_holds` (dbt_project/macros/property_filters.sql) is the same rules in SQL,
held equal by tests/unit/test_property_filters_sql.py.

Paths (GA4 BigQuery export names):
- `value`, `page_location`, ...: an event parameter by key;
- `item.<field>`: a field of the event's `items[]`; true when *any* item satisfies the condition;
- `user.<property>`: a user property (`user_properties[]`) by key;
- `device.*`, `geo.*`, `traffic_source.*`, `collected_traffic_source.*`: the export's fields
  (`device.web_info.browser` reaches the nested struct).

Values: a number in the file compares numerically with the property's numeric value (an int or
double parameter, or a string parameter that reads as a number); a string compares as text
with the property's text form. So `value: {gte: 50}` matches int 50 and double 50.0, and
`currency: EUR` matches the string parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA

Scalar = str | int | float
OPERATORS = ("eq", "not", "in", "not_in", "contains", "regex", "gt", "gte", "lt", "lte", "is_set")
WRITTEN_OPERATORS = tuple(op for op in OPERATORS if op != "eq")  # `eq` is written as a bare value
RECORD_SCOPES = ("device", "geo", "traffic_source", "collected_traffic_source")
# the text a string property must be to count as a number (the SQL macro uses the same pattern)
NUMBER_TEXT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


def _leaf_paths(arrow_type: pa.DataType, prefix: str = "") -> list[str]:
    if pa.types.is_struct(arrow_type):
        return [p for f in arrow_type for p in _leaf_paths(f.type, f"{prefix}{f.name}.")]
    return [prefix.rstrip(".")]


RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    scope: tuple(_leaf_paths(GA4_EXPORT_SCHEMA.field(scope).type)) for scope in RECORD_SCOPES
}
ITEM_FIELDS: tuple[str, ...] = tuple(f.name for f in GA4_EXPORT_SCHEMA.field("items").type.value_type)


@dataclass(frozen=True)
class Condition:
    """One condition on one property: `scope` is param, item, user or a GA4 record."""

    path: str
    scope: str
    key: str
    operator: str
    value: Scalar | bool | tuple[Scalar, ...] | None

    def describe(self) -> str:
        return f"{self.path} {self.operator} {self.value!r}"


def parse_path(path: str) -> tuple[str, str]:
    """'item.item_category' -> ('item', 'item_category'); 'value' -> ('param', 'value')."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"property path {path!r} must be a non-empty string")
    head, _, rest = path.partition(".")
    if not rest:
        if not KEY_PATTERN.match(path):
            raise ValueError(f"event parameter {path!r} must use only letters, digits and '_'")
        return "param", path
    if head == "item":
        if rest not in ITEM_FIELDS:
            raise ValueError(f"{path!r}: unknown item field {rest!r}; use one of: {', '.join(ITEM_FIELDS)}")
        return "item", rest
    if head == "user":
        if not KEY_PATTERN.match(rest):
            raise ValueError(f"{path!r}: user property keys use only letters, digits and '_'")
        return "user", rest
    if head in RECORD_FIELDS:
        if rest not in RECORD_FIELDS[head]:
            fields = ", ".join(f"{head}.{f}" for f in RECORD_FIELDS[head])
            raise ValueError(f"{path!r}: unknown GA4 field; use one of: {fields}")
        return head, rest
    scopes = "item.<field>, user.<property>, " + ", ".join(f"{s}.<field>" for s in RECORD_SCOPES)
    raise ValueError(
        f"{path!r}: unknown property path; write an event parameter key (e.g. value) or one of: {scopes}"
    )


def _scalar(path: str, operator: str, value: Any) -> Scalar:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        hint = " (quote it: 'true')" if isinstance(value, bool) else ""
        raise ValueError(f"{path}: {operator} needs a string or a number, not {value!r}{hint}")
    return value


def _number(path: str, operator: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path}: {operator} compares numbers; write a number, e.g. {{{operator}: 50}}")
    return value


def _condition(path: str, scope: str, key: str, operator: str, value: Any) -> Condition:
    if operator in ("eq", "not"):
        value = _scalar(path, operator, value)
    elif operator in ("in", "not_in"):
        if not isinstance(value, list | tuple) or not value:
            raise ValueError(f"{path}: {operator} needs a non-empty list, e.g. {{{operator}: [a, b]}}")
        value = tuple(_scalar(path, operator, v) for v in value)
    elif operator == "contains":
        if not isinstance(value, str) or not value:
            raise ValueError(f"{path}: contains needs a non-empty string")
    elif operator == "regex":
        if not isinstance(value, str):
            raise ValueError(f"{path}: regex needs a pattern string")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{path}: regex {value!r} does not compile ({exc})") from None
    elif operator in ("gt", "gte", "lt", "lte"):
        value = _number(path, operator, value)
    elif operator == "is_set":
        if not isinstance(value, bool):
            raise ValueError(f"{path}: is_set takes true or false")
    return Condition(path, scope, key, operator, value)


def parse_where(where: Any) -> tuple[Condition, ...]:
    """Validate a `where:` mapping into conditions (all must hold); ValueError says what to fix."""
    if where is None:
        return ()
    if not isinstance(where, Mapping):
        raise ValueError(
            f"where must map property paths to conditions, e.g. {{value: {{gte: 50}}}}, not {where!r}"
        )
    conditions = []
    for path, spec in where.items():
        scope, key = parse_path(path)
        if isinstance(spec, Mapping):
            if not spec:
                raise ValueError(
                    f"{path}: empty condition; write a value or one of: {', '.join(WRITTEN_OPERATORS)}"
                )
            for operator, value in spec.items():
                if operator not in WRITTEN_OPERATORS:
                    raise ValueError(
                        f"{path}: unknown operator {operator!r}; use a bare value (equals) or one of: "
                        f"{', '.join(WRITTEN_OPERATORS)}"
                    )
                conditions.append(_condition(path, scope, key, operator, value))
        elif isinstance(spec, list):
            raise ValueError(f"{path}: a list needs an operator; write {{in: {spec!r}}}")
        elif spec is None:
            raise ValueError(f"{path}: no value; write {{is_set: false}} to require a missing property")
        else:
            conditions.append(_condition(path, scope, key, "eq", spec))
    return tuple(conditions)


# -- evaluation (the Python twin of macros/property_filters.sql) ---------------------------------


@dataclass(frozen=True)
class EventProperties:
    """What a condition can read of one GA4 event: params, items, user properties, records."""

    params: Mapping[str, Scalar] = None  # type: ignore[assignment]
    items: tuple[Mapping[str, Scalar], ...] = ()
    user: Mapping[str, Scalar] = None  # type: ignore[assignment]
    records: Mapping[str, Mapping[str, Any]] = None  # type: ignore[assignment]

    def values(self, condition: Condition) -> list[Scalar | None]:
        """The property's value(s): one for a param, user property or record field; one per item."""
        if condition.scope == "item":
            return [item.get(condition.key) for item in self.items]
        if condition.scope == "param":
            return [(self.params or {}).get(condition.key)]
        if condition.scope == "user":
            return [(self.user or {}).get(condition.key)]
        node: Any = (self.records or {}).get(condition.scope)
        for part in condition.key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return [node]


def text_of(value: Scalar | None) -> str | None:
    """A value's text form, as the warehouse casts it to VARCHAR (ints without '.0')."""
    if value is None:
        return None
    return str(value)


def number_of(value: Scalar | None) -> float | None:
    """A value's numeric form: ints and doubles as they are, strings when they read as a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return float(value) if NUMBER_TEXT.fullmatch(value) else None


def _equals(value: Scalar | None, expected: Scalar) -> bool:
    if isinstance(expected, int | float):
        number = number_of(value)
        return number is not None and number == float(expected)
    return text_of(value) == expected


def value_holds(condition: Condition, value: Scalar | None) -> bool:
    """One value against one condition; a missing value fails every test but not, not_in and is_set: false."""
    op, expected = condition.operator, condition.value
    if op == "eq":
        return _equals(value, expected)
    if op == "not":
        return not _equals(value, expected)
    if op == "in":
        return any(_equals(value, e) for e in expected)
    if op == "not_in":
        return not any(_equals(value, e) for e in expected)
    if op == "contains":
        text = text_of(value)
        return text is not None and expected in text
    if op == "regex":
        text = text_of(value)
        return text is not None and re.search(expected, text) is not None
    if op == "is_set":
        return (value is not None) == expected
    number = number_of(value)
    if number is None:
        return False
    return {
        "gt": number > expected,
        "gte": number >= expected,
        "lt": number < expected,
        "lte": number <= expected,
    }[op]


def condition_holds(condition: Condition, event: EventProperties) -> bool:
    """An item condition holds when any item satisfies it (none when the event has no items)."""
    return any(value_holds(condition, value) for value in event.values(condition))


def where_holds(conditions: Iterable[Condition], event: EventProperties) -> bool:
    return all(condition_holds(c, event) for c in conditions)
