"""`microfunnel sandbox simulate|serve` as a user runs them: in a subprocess, with a user's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pyarrow.parquet as pq

from microfunnel.pii import hash_email
from microfunnel.settings import PROJECT_ROOT
from sandbox.cli import SANDBOX_PII_KEY, export_lines
from sandbox.simulate import WorldSpec, simulate

SMALL_WORLD = ["--persons", "40", "--days", "2", "--seed", "3"]


def _user_env(**overrides: str) -> dict[str, str]:
    """The test session's environment without PII_HASH_KEY (a user who never set it), plus overrides."""
    env = {key: value for key, value in os.environ.items() if key != "PII_HASH_KEY"}
    return {**env, **overrides}


def test_simulate_without_a_pii_key_says_so_in_one_line_and_uses_the_sandbox_key(tmp_path):
    # Regression: without PII_HASH_KEY, `sandbox simulate` died with a 19-line MissingPiiKey traceback.
    out = tmp_path / "world"
    done = subprocess.run(
        [sys.executable, "-m", "commands.cli", "sandbox", "simulate", *SMALL_WORLD, "--out", str(out)],
        env=_user_env(),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    note = done.stderr.strip().splitlines()
    assert len(note) == 1 and "PII_HASH_KEY" in note[0] and SANDBOX_PII_KEY in note[0]
    # the ground truth's emails are hashed with exactly that key
    world = simulate(WorldSpec(persons=40, days=2, seed=3))
    emails = {order.email for order in world.orders if order.email}
    truth = pq.read_table(out / "truth" / "identifiers.parquet").to_pylist()
    hashed = {row["identifier_value"] for row in truth if row["identifier_type"] == "email_hash"}
    assert len(hashed & {hash_email(email, SANDBOX_PII_KEY) for email in emails}) >= 2
    assert not hashed & {hash_email(email, "another-key") for email in emails}


def test_simulate_with_a_pii_key_prints_no_note(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "commands.cli", "sandbox", "simulate", *SMALL_WORLD, "--out", str(tmp_path)],
        env=_user_env(PII_HASH_KEY="a-user-key"),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == ""


def test_serve_prints_and_writes_every_source_variable_ga4_included(tmp_path):
    # Regression: serve listed every SOURCES__ variable but GA4's bucket URL.
    env_file = tmp_path / "sources.env"
    out = tmp_path / "world"
    (out / "ga4").mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "commands.cli", "sandbox", "serve", *SMALL_WORLD, "--port", "0"]
        + ["--env-file", str(env_file), "--out", str(out)],
        env=_user_env(),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert env_file.exists(), server.stderr.read() if server.poll() is not None else "no env file"
        time.sleep(0.5)  # the lines are printed right after the file is written
    finally:
        # SIGKILL, not SIGTERM: once, in a full suite run, the server inherited an ignored SIGTERM
        # from its pytest worker and outlived the test (its output is flushed already)
        server.kill()
    stdout, _ = server.communicate(timeout=30)
    written = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert written["SOURCES__GA4__BUCKET_URL"] == str((out / "ga4").resolve())
    for key, value in written.items():
        assert f"  export {key}={value}" in stdout
    assert f"export PII_HASH_KEY={SANDBOX_PII_KEY}" in stdout


def test_serve_says_how_to_fill_an_empty_ga4_folder_and_never_prints_a_set_pii_key():
    env = {"SOURCES__SHOPIFY__BASE_URL": "http://127.0.0.1:1", "SOURCES__GA4__BUCKET_URL": "/w/ga4"}
    lines = export_lines(env, ga4_files_exist=False, pii_key_set=True)
    assert "  export SOURCES__GA4__BUCKET_URL=/w/ga4" in lines
    assert any("microfunnel sandbox simulate" in line for line in lines)
    assert not any(SANDBOX_PII_KEY in line for line in lines)
    assert "  # PII_HASH_KEY is set: the loads hash emails with it" in lines
