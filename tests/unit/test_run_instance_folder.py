"""Where a run keeps its throw-away Dagster instance: /dev/shm when it has room, else the disk."""

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from commands import runner

Usage = namedtuple("Usage", "total used free")


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this system")
def test_a_small_or_full_memory_backed_folder_sends_the_instance_to_disk(monkeypatch):
    room = runner.MEMORY_BACKED_MIN_FREE_BYTES
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(24 * 2**30, 0, 24 * 2**30))
    assert runner.memory_backed_tmp() == "/dev/shm"
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(64 * 2**20, 0, 64 * 2**20))  # Docker's
    assert runner.memory_backed_tmp() is None, "a 64 MB /dev/shm is too small to count on"
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(24 * 2**30, 24 * 2**30 - room + 1, room - 1))
    assert runner.memory_backed_tmp() is None, "a nearly full one too"
