from commands.cli import main


def test_validate_reports_the_catalog_and_exits_zero(capsys):
    assert main(["validate"]) == 0
    assert "ok (" in capsys.readouterr().out


def test_validate_names_the_problem_and_exits_two(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "conversions.yml"
    broken.write_text("funnels:\n  - {name: f, steps: [a, b], window: soon}\n")
    monkeypatch.setenv("CONVERSIONS_CONFIG", str(broken))
    assert main(["validate"]) == 2
    assert "funnels[0] 'f' -> window" in capsys.readouterr().err
