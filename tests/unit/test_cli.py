import subprocess
import sys

from commands.cli import main
from microfunnel.settings import PROJECT_ROOT


def test_validate_reports_the_catalog_and_exits_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MICROFUNNEL_SOURCES", "ga4")
    monkeypatch.setenv("SOURCES__GA4__BUCKET_URL", str(tmp_path))
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "ok (" in out and "ga4          on, configured" in out


def test_validate_names_the_credentials_an_enabled_source_lacks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MICROFUNNEL_SOURCES", "ga4,meta_ads")
    monkeypatch.setenv("SOURCES__GA4__BUCKET_URL", str(tmp_path))
    monkeypatch.setenv("SOURCES__META_ADS__ACCOUNT_ID", "123")
    monkeypatch.delenv("SOURCES__META_ADS__ACCESS_TOKEN", raising=False)
    assert main(["validate"]) == 2
    out = capsys.readouterr().out
    assert "meta_ads     on, lacks SOURCES__META_ADS__ACCESS_TOKEN" in out
    assert "shopify      off" in out


def test_validate_names_the_problem_and_exits_two(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "conversions.yml"
    broken.write_text("funnels:\n  - {name: f, steps: [a, b], window: soon}\n")
    monkeypatch.setenv("CONVERSIONS_CONFIG", str(broken))
    assert main(["validate"]) == 2
    assert "funnels[0] 'f' -> window" in capsys.readouterr().err


def test_the_console_script_exits_with_the_code_after_atexit_and_flushed_output(tmp_path):
    """`entry` leaves with os._exit (no interpreter teardown): the exit code, the buffered output
    (a pipe, not a terminal) and the atexit handlers must all survive that."""
    broken = tmp_path / "conversions.yml"
    broken.write_text("funnels:\n  - {name: f, steps: [a, b], window: soon}\n")
    marker = tmp_path / "atexit-ran"
    script = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "print('buffered line before the command')\n"
        "from commands.cli import entry\n"
        "sys.argv = ['microfunnel', 'validate']\n"
        "entry()\n"
        "print('never printed: entry does not return')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "CONVERSIONS_CONFIG": str(broken)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "funnels[0] 'f' -> window" in done.stderr
    assert done.stdout.splitlines() == ["buffered line before the command"]
    assert marker.read_text() == "yes"
