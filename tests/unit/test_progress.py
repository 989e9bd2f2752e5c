"""Progress lines of long steps: throttled, readable, silent for short steps (microfunnel.progress)."""

from __future__ import annotations

import io

from microfunnel.progress import Progress
from sandbox.cli import export_progress, persons_progress


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_step_says_one_line_per_interval_with_count_total_and_rate():
    clock, said = FakeClock(), []
    meter = Progress("simulating", 20_000, "persons", say=said.append, every=5, clock=clock)
    for done in range(1, 20_001):
        clock.now += 0.001  # 1,000 persons a second: 20 s in all
        meter.update(done)
    meter.finish()
    assert said[0] == "simulating: 5,000/20,000 persons (1,000 persons/s)"
    assert len(said) == 4  # at 5, 10, 15 and 20 s; the final count was said already
    assert said[-1] == "simulating: 20,000/20,000 persons (1,000 persons/s)"


def test_a_step_shorter_than_the_interval_says_nothing():
    clock, said = FakeClock(), []
    meter = Progress("loading", None, "rows", say=said.append, every=10, clock=clock)
    for _ in range(100):
        clock.now += 0.01
        meter.advance(50)
    meter.finish()
    assert said == []


def test_on_a_terminal_the_line_is_rewritten_in_place_and_ended_once():
    clock, terminal = FakeClock(), FakeTerminal()
    meter = Progress("simulating", 10, "persons", stream=terminal, clock=clock)
    for done in range(1, 11):
        clock.now += 0.5
        meter.update(done)
    meter.finish()
    text = terminal.getvalue()
    assert text.count("\r") == 10 and text.count("\n") == 1 and text.endswith("\n")
    assert "\rsimulating: 10/10 persons (2.0 persons/s)\x1b[K\n" in text


def test_in_a_log_the_lines_are_plain():
    clock, log = FakeClock(), io.StringIO()
    meter = Progress("simulating", 10, "persons", stream=log, clock=clock)
    for done in range(1, 11):
        clock.now += 1
        meter.update(done)
    meter.finish()
    lines = log.getvalue().splitlines()
    assert lines == ["simulating: 5/10 persons (1.0 persons/s)", "simulating: 10/10 persons (1.0 persons/s)"]
    assert "\r" not in log.getvalue()


def test_the_simulator_reports_every_person_to_its_listener():
    from sandbox.simulate import WorldSpec, simulate

    said = []
    world = simulate(WorldSpec(persons=30, days=2), persons_progress(said.append, every=0))
    assert said[-1].startswith(f"simulating: {len(world.persons)}/{len(world.persons)} persons")
    assert len(said) == len(world.persons)  # every=0: a line per person


def test_the_final_count_is_said_when_it_moved_since_the_last_line():
    clock, said = FakeClock(), []
    meter = Progress("loading", None, "rows", say=said.append, every=5, clock=clock)
    clock.now += 6
    meter.update(600)
    clock.now += 1
    meter.update(700)
    meter.finish()
    assert said == ["loading: 600 rows (100 rows/s)", "loading: 700 rows (100 rows/s)"]


def test_the_ga4_export_reports_the_events_written_so_far(tmp_path):
    from sandbox.ga4_export import write_ga4_export
    from sandbox.simulate import WorldSpec, simulate

    world = simulate(WorldSpec(persons=400, days=3))
    said: list[str] = []
    write_ga4_export(world, tmp_path, progress=export_progress(said.append, every=0))
    total = len(world.events)
    assert total > 5_000  # more than one batch of the listener's calls
    assert said[0].startswith("writing the GA4 export: 5,000/")
    assert said[-1].startswith(f"writing the GA4 export: {total:,}/{total:,} events")


def test_a_rate_is_left_out_while_it_means_nothing():
    # Regression: dbt's first node after its 10 s parse read "1/533 nodes (0 nodes/s)".
    clock, said = FakeClock(), []
    meter = Progress("dbt build", 533, "nodes", say=said.append, every=10, clock=clock)
    clock.now += 30
    meter.update(1)
    assert said == ["dbt build: 1/533 nodes"]
