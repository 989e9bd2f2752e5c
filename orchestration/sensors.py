"""Sensors: a new or revised GA4 export file starts the daily job; a failed run posts an alert.

Both are off by default. MICROFUNNEL_SENSORS (comma-separated names, or `all`) switches them on
when the code location loads, so a deployment's config decides, not a click in the UI (a toggle
in the UI still overrides it afterwards, as Dagster keeps that state in its instance). Sensors
are evaluated by the Dagster daemon (`dagster dev` / `make dev` runs one).
"""

import os

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
from orchestration.alerts import ALERT_WEBHOOK_ENV, failure_payload, post_alert
from orchestration.jobs import daily_job
from orchestration.partitions import reporting_days

SENSORS_ENV = "MICROFUNNEL_SENSORS"
SENSOR_NAMES = ("new_ga4_export_files", "alert_on_run_failure")


def sensors_switched_on(env=None) -> set[str]:
    """The sensor names listed in MICROFUNNEL_SENSORS (`all` = every one); unknown names are an error."""
    text = (os.environ if env is None else env).get(SENSORS_ENV, "")
    names = {name.strip() for name in text.split(",") if name.strip()}
    if names == {"all"}:
        return set(SENSOR_NAMES)
    unknown = sorted(names - set(SENSOR_NAMES))
    if unknown:
        raise ValueError(
            f"{SENSORS_ENV}={text!r}: unknown sensor(s) {', '.join(unknown)}; "
            f"known: {', '.join(SENSOR_NAMES)} (or `all`)"
        )
    return names


def default_status(name: str) -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if name in sensors_switched_on() else DefaultSensorStatus.STOPPED


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


@sensor(job=daily_job, minimum_interval_seconds=300, default_status=default_status("new_ga4_export_files"))
def new_ga4_export_files(context: SensorEvaluationContext):
    """Request the partition of each day whose export file appeared or was re-exported (late events)."""
    bucket_url = os.environ.get("SOURCES__GA4__BUCKET_URL")
    if not bucket_url:
        return SkipReason("SOURCES__GA4__BUCKET_URL is not set; nothing to watch")
    files = export_files_fingerprint(bucket_url)
    seen = float(context.cursor or 0)
    changed = {path: modified for path, modified in files.items() if modified > seen}
    if not changed:
        return SkipReason(f"no new or revised export files among {len(files)}")
    first_day = reporting_days().start.date()
    days = sorted({export_day(path.rsplit("/", 1)[-1]) for path in changed})
    context.update_cursor(str(max(changed.values())))
    return [
        RunRequest(run_key=f"ga4-{day}-{max(changed.values())}", partition_key=day.isoformat())
        for day in days
        if day >= first_day
    ] or SkipReason(f"the changed files are all before the first partition day {first_day}")


def root_cause(error):
    """Dagster wraps an op's exception ("Error occurred while executing op ..."); the cause says what."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def run_failure_payload(run_id: str, job: str, step_failures, fallback_message: str) -> dict:
    """The alert payload of a failed run, from its step failure events (sensor and `microfunnel run`)."""
    errors = [root_cause(e.event_specific_data.error) for e in step_failures if e.event_specific_data]
    return failure_payload(
        run_id=run_id,
        job=job,
        failed_steps=list(dict.fromkeys(event.step_key for event in step_failures)),
        error=errors[0].message if errors and errors[0] else fallback_message,
    )


def send_alert(payload: dict, log) -> None:
    url = os.environ.get(ALERT_WEBHOOK_ENV)
    if not url:
        log.warning(f"{payload['text']} ({ALERT_WEBHOOK_ENV} is not set; no alert sent)")
        return
    status = post_alert(url, payload)
    log.info(f"alert for run {payload['run_id']} posted (HTTP {status})")


@run_failure_sensor(default_status=default_status("alert_on_run_failure"))
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    """POST the failed run's payload (orchestration/alerts.py) to MICROFUNNEL_ALERT_WEBHOOK_URL."""
    payload = run_failure_payload(
        context.dagster_run.run_id,
        context.dagster_run.job_name,
        context.get_step_failure_events(),
        context.failure_event.message or "",
    )
    send_alert(payload, context.log)
