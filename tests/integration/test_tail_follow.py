"""``timeline events tail --follow`` keeps printing events as other processes append them."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from tests.factories import new_events
from timeline.store.factory import open_event_store

DEADLINE_SECONDS = 20


async def test_follow_prints_events_appended_after_it_started(database_url: str) -> None:
    store = await open_event_store(database_url)
    await store.append("before", new_events(2), expected_version=0)
    follower = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "timeline.cli",
        "events",
        "tail",
        "--follow",
        "--interval",
        "0.1",
        "--format",
        "jsonl",
        env={**os.environ, "TIMELINE_DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
    )
    assert follower.stdout is not None
    try:
        seen = [json.loads(await _line(follower.stdout)) for _ in range(2)]
        await store.append("after", new_events(3), expected_version=0)
        seen += [json.loads(await _line(follower.stdout)) for _ in range(3)]
    finally:
        follower.terminate()
        await follower.wait()
        await store.close()

    assert [event["position"] for event in seen] == [1, 2, 3, 4, 5]
    assert [event["stream_id"] for event in seen] == ["before"] * 2 + ["after"] * 3


async def _line(stream: asyncio.StreamReader) -> str:
    line = await asyncio.wait_for(stream.readline(), DEADLINE_SECONDS)
    assert line, "the follower exited instead of following"
    return line.decode()
