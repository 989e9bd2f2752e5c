"""Sensors: a new or revised GA4 export file starts the daily job; a failed run posts an alert."""

import json
import os
import urllib.request

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from ingestion.sources.ga4.helpers import export_day
from orchestration.jobs import daily_job

ALERT_WEBHOOK_ENV = "MICROFUNNEL_ALERT_WEBHOOK_URL"


def export_files_fingerprint(bucket_url: str) -> dict[str, float]:
    """{file: modification time} of the GA4 export files under `bucket_url` (any fsspec URL)."""
    from fsspec.core import url_to_fs

    filesystem, root = url_to_fs(bucket_url)
    found = {}
    for path in filesystem.find(root):
        if export_day(path.rsplit("/", 1)[-1]):
            modified = filesystem.info(path).get("mtime") or filesystem.info(path).get("LastModified")
            found[path] = float(modified.timestamp() if hasattr(modified, "timestamp") else modified or 0)
    return found


@sensor(job=daily_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def new_ga4_export_files(context: SensorEvaluationContext):
    """Request a run when an export file appears or GA4 re-exports a day (late events)."""
    bucket_url = os.environ.get("SOURCES__GA4__BUCKET_URL")
    if not bucket_url:
        return SkipReason("SOURCES__GA4__BUCKET_URL is not set; nothing to watch")
    files = export_files_fingerprint(bucket_url)
    newest = max(files.values(), default=0.0)
    if newest <= float(context.cursor or 0):
        return SkipReason(f"no new or revised export files among {len(files)}")
    context.update_cursor(str(newest))
    return RunRequest(run_key=f"ga4-export-{newest}")


@run_failure_sensor(default_status=DefaultSensorStatus.STOPPED)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    """POST {job, run_id, error} as JSON to MICROFUNNEL_ALERT_WEBHOOK_URL (Slack-compatible `text`)."""
    url = os.environ.get(ALERT_WEBHOOK_ENV)
    message = (
        f"microfunnel run {context.dagster_run.run_id} of {context.dagster_run.job_name} failed: "
        f"{context.failure_event.message}"
    )
    if not url:
        context.log.warning(f"{message} ({ALERT_WEBHOOK_ENV} is not set; no alert sent)")
        return
    body = json.dumps(
        {"text": message, "job": context.dagster_run.job_name, "run_id": context.dagster_run.run_id}
    ).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass
