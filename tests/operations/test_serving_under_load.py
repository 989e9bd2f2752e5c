"""BI readers beside the pipeline: the serving file never blocks the writer; the warehouse says so."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from tests.operations.ops_runs import MicrofunnelProcess
from tests.support.warehouse import held_open_by_another_process

pytestmark = pytest.mark.slow

SNAPSHOT_SQL = """
select (select count(*) from marts.fct_sessions), (select count(*) from marts.fct_orders),
       (select count(*) from marts.dim_persons), (select coalesce(sum(revenue), 0) from marts.fct_orders)
"""

# A BI tool in another process: one connection held open the whole time, and a fresh one per query.
READER = """
import json, sys, time
from pathlib import Path
import duckdb
serving, out, stop, sql = Path(sys.argv[1]), open(sys.argv[2], "a"), Path(sys.argv[3]), sys.argv[4]
held = duckdb.connect(str(serving), read_only=True)
while True:
    last = stop.exists()
    for kind in ("held", "fresh"):
        try:
            if kind == "held":
                row = held.execute(sql).fetchone()
            else:
                with duckdb.connect(str(serving), read_only=True) as fresh:
                    row = fresh.execute(sql).fetchone()
            out.write(json.dumps({"kind": kind, "row": [str(v) for v in row]}) + "\\n")
        except Exception as exc:
            out.write(json.dumps({"kind": kind, "error": repr(exc)}) + "\\n")
        out.flush()
    if last:
        break
    time.sleep(0.05)
# DuckDB shares one database per file within a process: only after every connection of this
# process is closed does a new connection open the file the publish swapped in.
held.close()
with duckdb.connect(str(serving), read_only=True) as after:
    row = after.execute(sql).fetchone()
    out.write(json.dumps({"kind": "reconnected", "row": [str(v) for v in row]}) + "\\n")
"""


def snapshot_of(serving: Path) -> list[str]:
    with duckdb.connect(str(serving), read_only=True) as connection:
        return [str(v) for v in connection.execute(SNAPSHOT_SQL).fetchone()]


def thin_out(serving: Path) -> None:
    """Make an older snapshot whose numbers differ from the next build's in every table read."""
    with duckdb.connect(str(serving)) as connection:
        connection.execute("delete from marts.fct_sessions where hash(session_id) % 2 = 0")
        connection.execute("delete from marts.fct_orders where hash(order_id) % 2 = 0")
        connection.execute("delete from marts.dim_persons where hash(person_id) % 3 = 0")


def copy_build(source: Path, target_dir: Path) -> Path:
    """The reference warehouse and its serving file, copied so a test may run against them."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in ("warehouse.duckdb", "serving.duckdb"):
        shutil.copy(source.with_name(name), target_dir / name)
    return target_dir / "warehouse.duckdb"


def test_a_reader_holding_the_serving_file_never_blocks_a_build_and_sees_old_or_new_never_a_mix(
    served_world, uninterrupted_warehouse, tmp_path
):
    warehouse = copy_build(uninterrupted_warehouse, tmp_path / "build")
    serving = warehouse.with_name("serving.duckdb")
    new = snapshot_of(serving)  # the build republishes the same world
    thin_out(serving)
    old = snapshot_of(serving)
    assert old != new

    log, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(serving), str(log), str(stop), SNAPSHOT_SQL])
    try:
        while not log.exists() or not log.read_text():
            assert reader.poll() is None, "the reader could not start"
            time.sleep(0.05)
        code, output = MicrofunnelProcess.run(served_world.env(warehouse)).finish()
        stop.touch()
        assert reader.wait(timeout=60) == 0
    finally:
        reader.kill()

    assert code == 0, output
    reads = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r for r in reads if "error" in r] == []
    assert {tuple(r["row"]) for r in reads} <= {tuple(old), tuple(new)}
    assert {tuple(r["row"]) for r in reads if r["kind"] == "held"} == {tuple(old)}
    assert reads[-1] == {"kind": "reconnected", "row": new}, "reconnected after the publish: the new snapshot"
    # another process, opening the file after the publish, sees the new snapshot at once
    assert snapshot_of(serving) == new


def test_a_reader_holding_the_warehouse_gets_the_run_an_error_naming_it_and_the_serving_file(
    served_world, uninterrupted_warehouse, tmp_path
):
    warehouse = copy_build(uninterrupted_warehouse, tmp_path / "build")
    with held_open_by_another_process(warehouse) as holder:
        code, output = MicrofunnelProcess.run(served_world.env(warehouse)).finish(timeout=300)

    assert code == 1, output
    assert str(warehouse) in output
    assert f"process {holder.pid}" in output
    assert str(warehouse.with_name("serving.duckdb")) in output and "serving file" in output
    assert "dbt_models started" not in output, "the run should stop before it starts writing"


def test_a_bi_tool_reads_marts_and_their_descriptions_through_sqlalchemy_and_duckdb_engine(
    uninterrupted_warehouse,
):
    serving = uninterrupted_warehouse.with_name("serving.duckdb")
    engine = sqlalchemy.create_engine(f"duckdb:///{serving}", connect_args={"read_only": True})
    with engine.connect() as connection:
        sessions = connection.execute(sqlalchemy.text("select count(*) from marts.fct_sessions")).scalar()
        table_docs = dict(
            connection.execute(
                sqlalchemy.text("select table_name, comment from duckdb_tables() where schema_name = 'marts'")
            ).all()
        )
        column_docs = connection.execute(
            sqlalchemy.text(
                "select count(*) from duckdb_columns() "
                "where schema_name = 'marts' and table_name = 'fct_sessions' and comment is not null"
            )
        ).scalar()
    assert sessions > 0
    assert "fct_sessions" in sqlalchemy.inspect(engine).get_table_names(schema="marts")
    undocumented = sorted(table for table, comment in table_docs.items() if not comment)
    assert undocumented == [], "every mart carries its dbt description"
    assert column_docs > 0, "column descriptions reach the serving file"
    engine.dispose()


PROGRESS_LINE = re.compile(r": [\d,]+(/[\d,]+)? (nodes|rows|files)\b")


def test_a_normal_run_prints_one_line_per_step_and_keeps_the_detail_in_its_log_file(uninterrupted_warehouse):
    output = uninterrupted_warehouse.with_name("run-output.txt").read_text()
    lines = output.splitlines()
    assert any(line.strip().startswith("dbt_models done in") for line in lines)
    assert not [line for line in lines if " PASS " in line or "START " in line], "no per-test lines"
    assert "AssetObservation" not in output and "warning" not in output.lower()
    progress = [line for line in lines if PROGRESS_LINE.search(line)]  # under their step, every ~10 s
    assert [line for line in progress if "dbt_models dbt build:" in line], "dbt's node count is shown"
    assert len(lines) - len(progress) < 40 and len(progress) < 20, output
    log = uninterrupted_warehouse.parent / "logs" / "microfunnel-run.log"
    assert "PASS" in log.read_text(), "the per-test detail is in the run's log file"
