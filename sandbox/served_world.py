"""The demo's sandbox in a process of its own: it simulates the world, writes its files, serves the
vendor APIs and keeps the world for the summary's identity scores, while the run's process starts.

The API port is bound before the fork, so the sources' settings (and with them the graph of
enabled sources) are known before the world exists: the run's process imports dlt, dbt and Dagster
and builds its graph (about 4 s of one core) while the sandbox simulates on the other, and waits
for the world only before its first step (`wait_until_served`). Where this process cannot fork,
a thread of it does the same (`sandbox.forked.talking_with_a_child`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sandbox.forked import Conversation, talking_with_a_child
from sandbox.server.app import SandboxServer, source_env
from sandbox.server.state import Credentials
from sandbox.simulate import WorldSpec

SERVED = "served"


@dataclass
class ServedWorld:
    env: dict[str, str]  # every source's settings: the APIs' SOURCES__... and GA4's folder
    _conversation: Conversation

    def wait_until_served(self) -> None:
        """Return once the world is simulated, its GA4 files written and its APIs answering."""
        told = self._conversation.receive()
        if told != SERVED:
            raise RuntimeError(f"the sandbox world said {told!r} where it should say {SERVED!r}")

    def stop(self) -> None:
        """End the sandbox now (the run was stopped): leaving the block then does not wait for it to
        finish its world or its truth (written whole or not at all)."""
        self._conversation.stop()

    def identity_scores(self, serving: Path) -> Callable[[], dict[str, float]]:
        """Ask for the identity scores of the serving file's persons against the world's truth; the
        answer is computed while this process goes on and read by calling what is returned."""
        self._conversation.send({"identity_scores": str(serving)})
        return self._conversation.receive


@contextmanager
def served_world(
    spec: WorldSpec,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
    export_progress: Callable[[int, int], None] | None = None,
) -> Iterator[ServedWorld]:
    """The world of `spec` simulated, written under `out` (GA4 files, then the ground truth) and
    served on 127.0.0.1 by a child process until the block ends; see the module's docstring."""
    listening = socket.create_server(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    credentials = Credentials()  # made here: the child's server checks the ones the sources are given
    env = {**source_env(spec, base_url, credentials), "SOURCES__GA4__BUCKET_URL": str(out / "ga4")}
    work = partial(_simulate_write_and_serve, spec, out, listening, credentials, progress, export_progress)
    try:
        with talking_with_a_child(work, f"the sandbox world (simulating into {out})") as conversation:
            if conversation.in_another_process:
                listening.close()  # the child's alone: if it dies, the sources are refused, not kept waiting
            yield ServedWorld(env, conversation)
    finally:
        listening.close()


def _simulate_write_and_serve(
    spec: WorldSpec,
    out: Path,
    listening: socket.socket,
    credentials: Credentials,
    progress: Callable[[int, int], None] | None,
    export_progress: Callable[[int, int], None] | None,
    conversation: Conversation,
) -> None:
    from microfunnel import garbage_collection
    from sandbox.world_files import write_truth, write_world_files

    world = write_world_files(spec, out, progress=progress, export_progress=export_progress, truth=False)
    # The world lives as long as this process and never changes: out of the collector's reach, the
    # API answers are not held up by passes over its millions of objects (Klaviyo's first answer
    # 0.25 s instead of 1.25 s).
    with (
        garbage_collection.objects_alive_now_left_alone(),
        SandboxServer(world, credentials=credentials, listening=listening),
    ):
        conversation.send(SERVED)
        write_truth(world, out)  # ~3 s of this core while the run loads GA4's files, before most API calls
        while (request := conversation.receive()) is not None:
            conversation.send(identity_scores(world, Path(request["identity_scores"])))


def identity_scores(world, serving: Path) -> dict[str, float]:
    """Pairwise precision and recall of the serving file's persons against the world's truth, and
    the share of orders on their buyer (`sandbox.truth`)."""
    from microfunnel.pii import pii_key
    from sandbox.truth import identifier_truth, order_scores, pairwise_scores, warehouse_persons

    predicted = warehouse_persons(serving)
    truth = identifier_truth(world, pii_key())
    return {**pairwise_scores(truth, predicted), **order_scores(world, truth, predicted)}
