"""`microfunnel audiences export`: audience members to files and to a webhook, with what changed.

Reads the serving snapshot (never the warehouse, which only Dagster writes), writes one file per
audience, POSTs the members who entered or left since the last export to a webhook in JSON batches,
and remembers what it exported in a small state file in the export folder, so marketing automation
reacts to changes. Only hashed identifiers leave: person_id and the HMAC email_hash of the mart.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from microfunnel.settings import Settings, load_settings

STATE_FILE = ".audience_export_state.json"
WEBHOOK_ENV = "MICROFUNNEL_AUDIENCE_WEBHOOK"
TOKEN_ENV = "MICROFUNNEL_AUDIENCE_WEBHOOK_TOKEN"  # a bearer token: env only, never printed
BATCH_ENV = "MICROFUNNEL_AUDIENCE_BATCH_SIZE"
OUT_ENV = "MICROFUNNEL_AUDIENCE_EXPORT_DIR"
DEFAULT_BATCH_SIZE = 500


class ExportError(RuntimeError):
    """The export cannot go on; the message says what failed and what to do."""


@dataclass(frozen=True)
class Member:
    person_id: str
    email_hash: str | None
    entered_at: datetime | None = None

    def identifiers(self) -> dict:
        """What the webhook receives: hashed identifiers only."""
        out = {"person_id": self.person_id, "email_hash": self.email_hash}
        if self.entered_at is not None:
            out["entered_at"] = self.entered_at.isoformat()
        return out


@dataclass(frozen=True)
class Snapshot:
    """Every audience (empty ones too) with its members, as of the end of the data."""

    as_of: datetime | None
    members: dict[str, list[Member]]


@dataclass(frozen=True)
class Delta:
    entered: list[Member] = field(default_factory=list)
    left: list[Member] = field(default_factory=list)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """`microfunnel audiences export [--out DIR] [--format csv|parquet] [--webhook URL] [--batch-size N]`."""
    audiences = commands.add_parser(
        "audiences",
        help="act on the audiences of conversions.yml (export members to files and a webhook)",
        description=__doc__.split("\n\n")[0],
    )
    actions = audiences.add_subparsers(dest="audiences_command", required=True)
    export = actions.add_parser(
        "export",
        help="write each audience's members from the serving snapshot to a file and POST who entered or "
        "left since the last export to a webhook (hashed identifiers only)",
    )
    export.add_argument(
        "--out",
        type=Path,
        help=f"folder for the files and the export state (default: ${OUT_ENV}, else 'audiences' "
        "beside the serving file)",
    )
    export.add_argument(
        "--format",
        choices=["csv", "parquet"],
        default="csv",
        help="file format of each audience (default: csv)",
    )
    export.add_argument(
        "--webhook",
        help=f"URL to POST the entered/left members to as JSON (default: ${WEBHOOK_ENV}; unset: files only); "
        f"a bearer token is read from ${TOKEN_ENV} only",
    )
    export.add_argument(
        "--batch-size",
        type=int,
        help=f"members per POST (default: ${BATCH_ENV}, else {DEFAULT_BATCH_SIZE})",
    )


def run(args: argparse.Namespace) -> int:
    """The `audiences` command."""
    settings = load_settings()
    env = os.environ
    try:
        batch_size = args.batch_size if args.batch_size is not None else _batch_size_from(env)
        report = export(
            settings,
            out_dir=args.out or (Path(env[OUT_ENV]) if env.get(OUT_ENV) else None),
            file_format=args.format,
            webhook=args.webhook or env.get(WEBHOOK_ENV) or None,
            token=env.get(TOKEN_ENV) or None,
            batch_size=batch_size,
        )
    except ExportError as exc:
        print(f"error: {exc}")
        return 1
    print(report)
    return 0


def _batch_size_from(env: Mapping[str, str]) -> int:
    try:
        return int(env.get(BATCH_ENV) or DEFAULT_BATCH_SIZE)
    except ValueError:
        raise ExportError(
            f"{BATCH_ENV}={env[BATCH_ENV]!r} is not a whole number; set e.g. {BATCH_ENV}=500"
        ) from None


def export(
    settings: Settings,
    out_dir: Path | None = None,
    file_format: str = "csv",
    webhook: str | None = None,
    token: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    attempts: int = 5,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Export every audience; returns the report to print. The state is saved only once every file
    is written and every batch was accepted, so a failed export is repeated in full next time
    (a receiver may see a batch twice; it never misses one)."""
    if batch_size < 1:
        raise ExportError(f"batch size {batch_size} must be at least 1 (--batch-size or {BATCH_ENV})")
    out_dir = out_dir or settings.serving_path.parent / "audiences"
    out_dir.mkdir(parents=True, exist_ok=True)
    snapshot = read_snapshot(settings.serving_path)
    state_path = out_dir / STATE_FILE
    previous = load_state(state_path)
    deltas = {name: delta(previous.get(name, {}), members) for name, members in snapshot.members.items()}
    files = {
        name: write_file(out_dir, name, members, file_format) for name, members in snapshot.members.items()
    }
    posts = 0
    if webhook:
        posts = post_deltas(webhook, token, snapshot, deltas, batch_size, attempts, backoff_seconds, sleep)
    save_state(state_path, snapshot)
    lines = [f"audiences as of {snapshot.as_of.isoformat() if snapshot.as_of else '(no data)'}:"]
    for name, members in snapshot.members.items():
        change = deltas[name]
        lines.append(
            f"  {name:<28} {len(members):>6,} members  +{len(change.entered):,} entered  "
            f"-{len(change.left):,} left  -> {files[name]}"
        )
    if webhook:
        lines.append(f"posted {posts} batch(es) of at most {batch_size:,} to {redacted(webhook)}")
    return "\n".join(lines)


def read_snapshot(serving: Path) -> Snapshot:
    """dim_audiences and fct_audience_members from the serving file, read-only."""
    import duckdb

    if not serving.exists():
        raise ExportError(f"{serving}: no serving snapshot; run `microfunnel run` (or `make demo`) first")
    with duckdb.connect(str(serving), read_only=True) as connection:
        tables = {row[0] for row in connection.execute("select table_name from duckdb_tables()").fetchall()}
        if not {"dim_audiences", "fct_audience_members"} <= tables:
            raise ExportError(
                f"{serving}: the snapshot has no audiences; define `audiences:` in conversions.yml and run "
                "`microfunnel run` to publish them"
            )
        audiences = connection.execute(
            "select audience_name, as_of from marts.dim_audiences order by audience_name"
        ).fetchall()
        rows = connection.execute(
            "select audience_name, person_id, email_hash, entered_at from marts.fct_audience_members "
            "order by audience_name, entered_at, person_id"
        ).fetchall()
    members: dict[str, list[Member]] = {name: [] for name, _ in audiences}
    for name, person_id, email_hash, entered_at in rows:
        if email_hash is not None and "@" in email_hash:
            raise ExportError(
                f"{serving}: fct_audience_members holds an email in plain text for {name!r}; refusing "
                "to export it (emails must be hashed with PII_HASH_KEY before the warehouse)"
            )
        members.setdefault(name, []).append(Member(person_id, email_hash, entered_at))
    return Snapshot(as_of=audiences[0][1] if audiences else None, members=members)


def delta(previous: Mapping[str, str | None], members: list[Member]) -> Delta:
    """Who entered (members now, not last time) and who left (members last time, not now)."""
    current = {m.person_id for m in members}
    return Delta(
        entered=[m for m in members if m.person_id not in previous],
        left=[Member(p, email) for p, email in sorted(previous.items()) if p not in current],
    )


def load_state(path: Path) -> dict[str, dict[str, str | None]]:
    """{audience: {person_id: email_hash}} of the last export; empty before the first."""
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())["audiences"]
    except (ValueError, KeyError) as exc:
        raise ExportError(
            f"{path}: the last export's state is unreadable ({exc}); delete it to export everyone as entered"
        ) from None


def save_state(path: Path, snapshot: Snapshot) -> None:
    """Written to a temp file and renamed, so a crash leaves the old state whole."""
    state = {
        "as_of": snapshot.as_of.isoformat() if snapshot.as_of else None,
        "audiences": {
            name: {m.person_id: m.email_hash for m in members} for name, members in snapshot.members.items()
        },
    }
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(temp, path)


def write_file(out_dir: Path, name: str, members: list[Member], file_format: str) -> Path:
    """One file per audience: audience_name, person_id, email_hash, entered_at (header even when empty)."""
    import pyarrow as pa

    table = pa.table(
        {
            "audience_name": pa.array([name] * len(members), pa.string()),
            "person_id": pa.array([m.person_id for m in members], pa.string()),
            "email_hash": pa.array([m.email_hash for m in members], pa.string()),
            "entered_at": pa.array([m.entered_at for m in members], pa.timestamp("us")),
        }
    )
    path = out_dir / f"{name}.{file_format}"
    temp = path.with_name(f".{path.name}.tmp")
    if file_format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, temp)
    else:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, temp)
    os.replace(temp, path)
    return path


def post_deltas(
    webhook: str,
    token: str | None,
    snapshot: Snapshot,
    deltas: Mapping[str, Delta],
    batch_size: int,
    attempts: int,
    backoff_seconds: float,
    sleep: Callable[[float], None],
) -> int:
    """POST each audience's entered, then left, members in batches; returns the number of POSTs."""
    posts = 0
    for name, change in deltas.items():
        for kind, members in (("entered", change.entered), ("left", change.left)):
            batches = [members[i : i + batch_size] for i in range(0, len(members), batch_size)]
            for number, batch in enumerate(batches, start=1):
                body = {
                    "audience": name,
                    "as_of": snapshot.as_of.isoformat() if snapshot.as_of else None,
                    "change": kind,
                    "batch": number,
                    "batches": len(batches),
                    "members": [m.identifiers() for m in batch],
                }
                post_with_retries(webhook, token, body, attempts, backoff_seconds, sleep)
                posts += 1
    return posts


def post_with_retries(
    webhook: str,
    token: str | None,
    body: dict,
    attempts: int,
    backoff_seconds: float,
    sleep: Callable[[float], None],
) -> None:
    """Retry 5xx answers and connection errors with exponential backoff; a 4xx is the receiver
    refusing this request (auth, payload), which repeating cannot fix: fail at once."""
    import requests

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    where = (
        f"{redacted(webhook)} ({body['audience']} {body['change']} batch {body['batch']}/{body['batches']})"
    )
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            response = requests.post(webhook, data=json.dumps(body), headers=headers, timeout=30)
        except requests.RequestException as exc:
            problem = f"could not connect ({type(exc).__name__})"
        else:
            if response.status_code < 300:
                return
            if response.status_code < 500:
                raise ExportError(
                    f"webhook {where} refused the batch: HTTP {response.status_code} "
                    f"{response.text[:200]!r}; check the URL and the token (${TOKEN_ENV}); "
                    "nothing was marked as exported"
                )
            problem = f"HTTP {response.status_code}"
        if attempt < attempts:
            sleep(backoff_seconds * 2 ** (attempt - 1))
    raise ExportError(
        f"webhook {where} failed {attempts} times, last: {problem}; nothing was marked as exported, the next "
        "export sends these changes again"
    )


def redacted(url: str) -> str:
    """The URL without user info, query or fragment: where a secret could hide."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
