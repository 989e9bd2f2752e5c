import os
import time

from dagster import RunRequest, SkipReason, build_sensor_context

from orchestration.sensors import new_ga4_export_files


def test_a_new_export_file_requests_its_days_partition_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCES__GA4__BUCKET_URL", str(tmp_path))
    (tmp_path / "events_20261001.json").write_text("{}\n")
    (first,) = new_ga4_export_files(build_sensor_context())
    assert isinstance(first, RunRequest) and first.partition_key == "2026-10-01"
    cursor = str(os.path.getmtime(tmp_path / "events_20261001.json"))
    assert isinstance(new_ga4_export_files(build_sensor_context(cursor=cursor)), SkipReason)


def test_a_re_exported_day_requests_a_new_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCES__GA4__BUCKET_URL", str(tmp_path))
    path = tmp_path / "events_20261001.json"
    path.write_text("{}\n")
    (tmp_path / "events_20261002.json").write_text("{}\n")
    later = time.time() + 60
    os.utime(path, (later, later))
    requests = new_ga4_export_files(build_sensor_context(cursor=str(later - 1)))
    assert [r.partition_key for r in requests] == ["2026-10-01"], "only the re-exported day runs again"


def test_files_that_are_not_exports_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCES__GA4__BUCKET_URL", str(tmp_path))
    (tmp_path / "notes.txt").write_text("x")
    assert isinstance(new_ga4_export_files(build_sensor_context()), SkipReason)
