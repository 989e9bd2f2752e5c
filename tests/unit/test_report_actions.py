"""The report's experiment and audience sections, on a serving file made by hand."""

from __future__ import annotations

import duckdb
import pytest

from commands.report import report_sections, write_report
from commands.report_actions import AUDIENCES_TITLE, EXPERIMENTS_TITLE

RESULT_COLUMNS = """experiment_id, variant, is_control, control_variant, conversion_name, conversion_kind,
    persons_exposed, persons_in_several_variants, persons_converted, conversion_rate, difference,
    difference_ci_low, difference_ci_high, z_score, p_value, is_significant, expected_share, srm_p_value,
    has_sample_ratio_mismatch"""


def _serving(path, results=True, audiences=True, mismatch=False):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        if results:
            con.execute(f"""create table marts.fct_experiment_results as select * from (values
                ('lp', 'control', true, 'control', 'lead_magnet', 'action', 150, 3, 15, 0.10,
                    null, null, null, null, null, false, 0.5, 0.93, false),
                ('lp', 'control', true, 'control', 'purchase', 'macro', 150, 3, 9, 0.06,
                    null, null, null, null, null, false, 0.5, 0.93, false),
                ('lp', 'banner', false, 'control', 'lead_magnet', 'action', 148, 2, 44, 0.2973,
                    0.1973, 0.1101, 0.2846, 4.4, 0.00001, true, 0.5, 0.93, {mismatch}),
                ('lp', 'banner', false, 'control', 'purchase', 'macro', 148, 2, 9, 0.0608,
                    0.0008, -0.0533, 0.0549, 0.03, 0.98, false, 0.5, 0.93, {mismatch})
            ) as t({RESULT_COLUMNS})""")
        if audiences:
            con.execute("""create table marts.dim_audiences as select * from (values
                ('cart_abandoners', 'added to cart in the last 3 days and did not buy', 259200, 25,
                    timestamp '2026-10-31 23:55:00'),
                ('lead_magnet_no_pricing', null, 1209600, 1250, timestamp '2026-10-31 23:55:00'),
                ('nobody_yet', 'a new audience', 86400, 0, timestamp '2026-10-31 23:55:00')
            ) as t(audience_name, audience_description, lookback_seconds, members, as_of)""")
    return path


def _sections(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return {section.title: section for section in report_sections(con)}


def test_each_variant_is_drawn_at_its_difference_from_the_control_with_its_interval(tmp_path):
    section = _sections(_serving(tmp_path / "s.duckdb"))[EXPERIMENTS_TITLE]
    (figure,) = section.figures
    significant, not_significant = figure.data
    assert list(significant.y) == ["lead_magnet · banner"] and list(significant.x) == pytest.approx([19.73])
    assert significant.x[0] + significant.error_x.array[0] == pytest.approx(28.46)
    assert significant.x[0] - significant.error_x.arrayminus[0] == pytest.approx(11.01)
    assert list(not_significant.y) == ["purchase · banner"]
    assert not_significant.x[0] - not_significant.error_x.arrayminus[0] == pytest.approx(-5.33)
    assert "44 of 148 converted (29.7%)" in significant.hovertext[0]
    assert "+19.7 pp (95% CI +11.0 pp to +28.5 pp)" in significant.hovertext[0]
    headers, rows = section.table
    assert rows == [
        ["lp", "control", "150", "3", "50%", "ok (p = 0.93)"],
        ["lp", "banner", "148", "2", "50%", "ok (p = 0.93)"],
    ]
    assert section.note == ""


def test_a_sample_ratio_mismatch_is_said_in_the_table_and_a_note(tmp_path):
    section = _sections(_serving(tmp_path / "s.duckdb", mismatch=True))[EXPERIMENTS_TITLE]
    assert section.table[1][1][-1] == "mismatch"
    assert "Sample-ratio mismatch in lp" in section.note


def test_audiences_are_bars_of_their_members_with_their_rules(tmp_path):
    section = _sections(_serving(tmp_path / "s.duckdb"))[AUDIENCES_TITLE]
    (figure,) = section.figures
    (bars,) = figure.data
    assert list(bars.y) == ["lead_magnet_no_pricing", "cart_abandoners", "nobody_yet"]
    assert list(bars.x) == [1250, 25, 0] and list(bars.text) == ["1,250", "25", "0"]
    assert "as of 31 Oct 2026 23:55 UTC" in figure.layout.title.subtitle.text
    assert section.table[1][1] == [
        "cart_abandoners",
        "added to cart in the last 3 days and did not buy",
        "3 days",
        "25",
    ]


def test_a_shop_without_experiments_or_audiences_gets_a_sentence_not_a_chart(tmp_path):
    sections = _sections(_serving(tmp_path / "none.duckdb", results=False, audiences=False))
    for title in (EXPERIMENTS_TITLE, AUDIENCES_TITLE):
        assert not sections[title].figures and "not published" in sections[title].note
    path = _serving(tmp_path / "empty.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.fct_experiment_results")
    assert "no event carries an experiment id" in _sections(path)[EXPERIMENTS_TITLE].note


def test_the_written_report_holds_both_sections(tmp_path):
    out = write_report(_serving(tmp_path / "s.duckdb"), tmp_path / "report.html")
    text = out.read_text()
    assert f"<h2>{EXPERIMENTS_TITLE}</h2>" in text and f"<h2>{AUDIENCES_TITLE}</h2>" in text
