from commands.cli import main


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
