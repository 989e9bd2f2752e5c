"""`microfunnel forget`: its arguments, the identifier it looks up, and the suppression filter every load
applies; on hand-made tables whose answers were counted by hand. The whole erasure runs in
tests/e2e/test_forget.py."""

from __future__ import annotations

import dlt
import duckdb
import pyarrow as pa
import pytest

from commands.cli import main
from commands.erasure import (
    IDS,
    Lookup,
    Person,
    SharedIdentifier,
    collect,
    erase_modelled,
    erase_raw,
    find_person,
    lookup_for,
    modelled_condition,
)
from commands.forget import NOBODY_EXIT_CODE, SHARED_EXIT_CODE, forget
from ingestion.sources.shopify.helpers import order_row
from ingestion.sources.spec import SourceSpec
from ingestion.suppression import (
    SuppressionFilter,
    honour_suppression,
    read_suppressed,
    record_suppressed,
    suppression_hash,
)
from microfunnel.pii import hash_email
from tests.support.environment import TEST_PII_KEY, environment, temp_settings

KEY = TEST_PII_KEY


@pytest.mark.parametrize(
    "argv",
    [
        ["forget"],
        ["forget", "--email", "a@example.com", "--customer-id", "7"],
        ["forget", "--customer-id", "7", "--anonymous-id", "x.1"],
    ],
)
def test_forget_takes_exactly_one_identifier(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "--email" in capsys.readouterr().err


def test_each_forget_option_says_what_it_takes(capsys):
    with pytest.raises(SystemExit):
        main(["forget", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "email address the person gave" in text
    assert "shop's customer id" in text
    assert "GA4 browser id (user_pseudo_id" in text
    assert "--no-rebuild" in text


def test_a_given_email_is_hashed_exactly_as_the_shopify_source_hashes_it():
    lookup = lookup_for(email="  Ann.Example@Shop.COM ", key=KEY)
    stored = order_row({"id": "gid://shopify/Order/1", "email": "ann.example@shop.com"}, KEY)["email_hash"]
    assert lookup.identifier_type == "email_hash"
    assert lookup.identifier_value == stored == hash_email("ann.example@shop.com", KEY)
    assert "ann" not in lookup.shown.lower(), "the address itself is never printed"


def test_customer_gids_and_ga_cookies_become_the_graphs_canonical_ids():
    assert lookup_for(customer_id="gid://shopify/Customer/7300000042378").identifier_value == "7300000042378"
    assert lookup_for(anonymous_id="GA1.1.1234567.1700000000").identifier_value == "1234567.1700000000"
    assert lookup_for(anonymous_id="1234567.1700000000").identifier_value == "1234567.1700000000"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email": "not-an-address"}, "not an email address"),
        ({"email": "a@example.com", "key": None}, "PII_HASH_KEY"),
        ({"customer_id": "abc"}, "numeric customer id"),
        ({"anonymous_id": "  "}, "empty"),
    ],
)
def test_bad_identifiers_are_refused_with_the_reason(kwargs, message):
    kwargs = {"key": KEY, **kwargs}
    with pytest.raises(ValueError, match=message):
        lookup_for(**kwargs)


def test_forget_without_a_warehouse_says_nobody_matches_with_its_own_exit_code(tmp_path, capsys):
    assert forget(email="a@example.com", settings=temp_settings(tmp_path)) == NOBODY_EXIT_CODE
    assert "nobody matches" in capsys.readouterr().out


def test_forget_without_the_pii_key_fails_saying_how_to_set_it(tmp_path, capsys):
    with environment({"PII_HASH_KEY": ""}):
        assert forget(customer_id="7", settings=temp_settings(tmp_path)) == 2
    assert "PII_HASH_KEY is not set" in capsys.readouterr().err


def test_the_suppression_list_holds_only_keyed_hashes(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    assert read_suppressed(warehouse) == frozenset()
    with duckdb.connect(str(warehouse)) as connection:
        added = record_suppressed(connection, [("customer_id", "42"), ("anonymous_id", "abc.1")], KEY, "r1")
        again = record_suppressed(connection, [("customer_id", "42")], KEY, "r2")
        stored = connection.execute("select * from microfunnel_suppression.suppressed_identifiers").fetchall()
    assert (added, again) == (2, 0)
    assert not any("42" == value or "abc.1" in str(row) for row in stored for value in row)
    assert read_suppressed(warehouse) == {
        suppression_hash("customer_id", "42", KEY),
        suppression_hash("anonymous_id", "abc.1", KEY),
    }
    assert suppression_hash("customer_id", "42", KEY) != suppression_hash("order_id", "42", KEY)


def suppressing(*identifiers: tuple[str, str]) -> frozenset[str]:
    return frozenset(suppression_hash(kind, value, KEY) for kind, value in identifiers)


def test_the_filter_drops_dict_rows_carrying_a_suppressed_identifier_in_any_declared_column():
    step = SuppressionFilter(
        {"legacy_resource_id": "order_id", "email_hash": "email_hash"},
        suppressing(("order_id", "2"), ("email_hash", "h9")),
        KEY,
    )
    rows = [
        {"legacy_resource_id": "1", "email_hash": "h1"},
        {"legacy_resource_id": " 2 ", "email_hash": "h2"},  # compared trimmed, as the graph does
        {"legacy_resource_id": 3, "email_hash": "h9"},
        {"legacy_resource_id": "2", "other": "x"},
        {"legacy_resource_id": None},
    ]
    assert step(rows) == [rows[0], rows[4]]
    assert step.dropped == 3
    assert step([rows[1]]) is None, "a page left empty is consumed"
    assert step([]) == []
    assert step(rows[0]) == rows[0] and step(rows[2]) is None


def test_the_filter_drops_arrow_rows_with_pyarrow_and_keeps_the_schema():
    step = SuppressionFilter(
        {"user_pseudo_id": "anonymous_id", "user_id": "customer_id"},
        suppressing(("anonymous_id", "c.2"), ("customer_id", "77")),
        KEY,
    )
    table = pa.table(
        {
            "user_pseudo_id": ["c.1", "c.2", "c.3", "c.2", None],
            "user_id": [None, None, "77", "5", None],
            "n": [1, 2, 3, 4, 5],
        }
    )
    kept = step(table)
    assert kept.schema == table.schema
    assert kept.column("n").to_pylist() == [1, 5]
    assert step.dropped == 3
    marker = object()
    assert step(marker) is marker, "markers such as materialize_table_schema pass untouched"


@pytest.mark.slow  # a dlt load
def test_every_load_through_honour_suppression_leaves_suppressed_rows_out(tmp_path):
    @dlt.resource(name="orders")
    def orders():
        yield [{"id": "o1", "customer_id": "7"}, {"id": "o2", "customer_id": "8"}, {"id": "o3"}]

    @dlt.source(name="shop")
    def shop():
        return [orders()]

    spec = SourceSpec(
        name="shop",
        function="x:y",
        tables={"orders": {}},
        identifiers={"orders": {"customer_id": "customer_id"}},
    )
    source = honour_suppression(shop(), spec, suppressing(("customer_id", "8")), KEY)
    warehouse = tmp_path / "w.duckdb"
    pipeline = dlt.pipeline(
        "suppression_test",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="raw_shop",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    pipeline.run(source).raise_on_failed_jobs()
    with duckdb.connect(str(warehouse)) as connection:
        ids = [row[0] for row in connection.execute("select id from raw_shop.orders order by id").fetchall()]
    assert ids == ["o1", "o3"]


def test_an_empty_suppression_list_needs_no_key_and_changes_nothing():
    source = object()
    assert honour_suppression(source, None, frozenset(), None) is source


SHOP = SourceSpec(
    name="shop",
    function="x:y",
    tables={"orders": {}, "profiles": {}, "events": {}},
    identifiers={
        "orders": {"order_id": "order_id", "customer_id": "customer_id"},
        "profiles": {"email_hash": "email_hash", "id": "klaviyo_profile_id"},
        "events": {"profile_id": "klaviyo_profile_id"},
    },
)


@pytest.fixture
def small_warehouse():
    """Person p1: customer 7 (also a GA4 login), browser a1, email hash e1, order 100, Klaviyo profile
    k1 (found only through e1). Person p2: browser a2, order 200 of customer 8, profile k2."""
    connection = duckdb.connect()
    connection.execute(
        """
        create schema marts; create schema intermediate;
        create schema raw_shop; create schema raw_shop_staging;
        create table marts.dim_person_identifiers as select * from (values
            ('customer_id', '7', 'p1', false), ('user_id', '7', 'p1', false),
            ('anonymous_id', 'a1', 'p1', false),
            ('email_hash', 'e1', 'p1', false), ('order_id', '100', 'p1', false),
            ('anonymous_id', 'a2', 'p2', false), ('order_id', '200', 'p2', false),
            ('customer_id', '8', 'p2', false), ('email_hash', 'shared', 'p3', true)
        ) t(identifier_type, identifier_value, person_id, is_shared);
        create table marts.person_id_history as select * from
            (values ('p0', 'p1'), ('p1', 'p1'), ('p2', 'p2')) t(person_id, current_person_id);
        create table intermediate.int_identity_nodes as select * from (values
            (1, 'customer_id', '7'), (2, 'anonymous_id', 'a1'), (3, 'anonymous_id', 'a2'),
            (4, 'order_id', '200')
        ) t(node_id, identifier_type, identifier_value);
        create table intermediate.int_identity_components as select * from
            (values (1, 1), (2, 1), (3, 3), (4, 3)) t(node_id, component_id);
        create table marts.fct_orders as select * from (values (100, 'p1', 7), (200, 'p2', 8), (300, 'p0', 9))
            t(order_id, person_id, customer_id);
        create table intermediate.int_events as select * from (values ('a1', '7'), ('a1', null), ('a2', '7x'))
            t(anonymous_id, user_id);
        create table intermediate.conversions as select * from (values ('a1-1791328876'), ('a2-1791328876'))
            t(session_key);
        create table intermediate.edges as select * from (values
            ('user_id', '7', 'order_id', '200'), ('order_id', '7', 'anonymous_id', 'a2')
        ) t(identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b);
        create table raw_shop.orders as select * from (values (100, 7), (101, 7), (200, 8), (201, null))
            t(order_id, customer_id);
        create table raw_shop_staging.orders as select * from raw_shop.orders;
        create table raw_shop.profiles as select * from (values ('k1', 'e1'), ('k2', 'e2')) t(id, email_hash);
        create table raw_shop.events as select * from (values ('k1'), ('k1'), ('k2')) t(profile_id);
        """
    )
    yield connection
    connection.close()


def test_a_person_is_every_graph_identifier_plus_what_only_a_source_knows(small_warehouse):
    person = collect(small_warehouse, "p1", [SHOP])
    assert person.identifiers == {
        "customer_id": {"7"},
        "user_id": {"7"},
        "anonymous_id": {"a1"},
        "email_hash": {"e1"},
        "order_id": {"100"},
        "person_id": {"p0", "p1"},  # the id issued before a merge too
        "node_id": {"1", "2"},
        "klaviyo_profile_id": {"k1"},  # from the profile their email hash reaches
    }
    assert ("person_id", "p1") not in person.suppressible() and ("node_id", "1") not in person.suppressible()
    assert ("klaviyo_profile_id", "k1") in person.suppressible()


def test_erasing_deletes_exactly_the_rows_hand_counted(small_warehouse):
    collect(small_warehouse, "p1", [SHOP])
    raw = erase_raw(small_warehouse, [SHOP])
    # orders 100 (its id) and 101 (customer 7), in the table and dlt's staging copy; k1's profile, 2 events
    assert raw == {
        "raw_shop.orders": 2,
        "raw_shop_staging.orders": 2,
        "raw_shop.profiles": 1,
        "raw_shop.events": 2,
    }
    modelled = erase_modelled(small_warehouse)
    assert modelled == {
        "intermediate.conversions": 1,  # session keys start with the browser id
        "intermediate.edges": 1,  # (user_id 7, ...); (order_id '7', ...) is an order 7, not theirs
        "intermediate.int_events": 2,  # by browser a1; ('a2', '7x') is nobody's
        "intermediate.int_identity_components": 2,
        "intermediate.int_identity_nodes": 2,
        "marts.dim_person_identifiers": 5,
        "marts.fct_orders": 2,  # order 100, and p0's order: p0 is their id before a merge
        "marts.person_id_history": 2,
    }
    (left,) = small_warehouse.execute("select count(*) from marts.dim_person_identifiers").fetchone()
    assert left == 4, "the other person and the shared email stay"


def test_a_table_without_identifier_columns_is_left_to_the_rebuild():
    assert modelled_condition(["date_day", "revenue"]) is None
    assert IDS in modelled_condition(["person_id"])


def test_person_suppressible_leaves_out_the_warehouse_own_numbers():
    person = Person("p1", {"person_id": {"p1"}, "node_id": {"3"}, "user_id": {"7"}, "customer_id": {"7"}})
    assert person.suppressible() == [("customer_id", "7")]


def test_an_identifier_is_found_in_the_graph_and_a_shared_one_is_refused(small_warehouse):
    assert find_person(small_warehouse, Lookup("customer_id", "7", "")) == "p1"
    assert find_person(small_warehouse, Lookup("customer_id", "9", "")) is None
    with pytest.raises(SharedIdentifier, match="used by several people"):
        find_person(small_warehouse, Lookup("email_hash", "shared", "email (hash shared)"))


def test_a_load_with_a_suppression_list_but_no_key_fails_rather_than_load_erased_persons():
    from microfunnel.pii import MissingPiiKey

    with environment({"PII_HASH_KEY": ""}), pytest.raises(MissingPiiKey, match="PII_HASH_KEY is not set"):
        honour_suppression(object(), None, suppressing(("customer_id", "8")), None)


def test_nobody_matching_and_a_shared_identifier_each_exit_with_their_code_and_change_nothing(
    tmp_path, capsys
):
    settings = temp_settings(tmp_path)
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute(
            "create schema marts; create table marts.dim_person_identifiers as select * from (values "
            "('anonymous_id', 'family-pc', 'p1', true), ('anonymous_id', 'a1', 'p1', false)) "
            "t(identifier_type, identifier_value, person_id, is_shared)"
        )
    assert forget(anonymous_id="nobody-here", settings=settings) == NOBODY_EXIT_CODE
    assert "nothing was changed" in capsys.readouterr().out
    assert forget(anonymous_id="family-pc", settings=settings) == SHARED_EXIT_CODE
    assert "used by several people" in capsys.readouterr().out
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        schemas = {
            row[0] for row in connection.execute("select schema_name from duckdb_schemas()").fetchall()
        }
        (identifiers,) = connection.execute("select count(*) from marts.dim_person_identifiers").fetchone()
    assert "microfunnel_suppression" not in schemas and identifiers == 2, "nothing recorded, nothing deleted"
