"""The projector election: one leader per database, a standby that takes over within 2 s
of the leader's death, and nothing lost (the read models equal the pure fold of the log).

PostgreSQL: the leader's lock is a session advisory lock, so killing its connection (as an
operator's ``pg_terminate_backend`` or a dead host would) or its process hands the lead
over. SQLite: a file lock beside the database, dropped when its holder stops or dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
import sqlalchemy as sa

from tests.contract.projection_corpus import content, source
from tests.integration.projection_snapshots import folded_rows, logged_events, stored_rows
from tests.integration.synthetic import append_synthetic_log, synthetic_clock
from timeline.application.projector import Projector
from timeline.application.read_models import MEASURES, TIMELINE
from timeline.application.service import TimelineService
from timeline.bootstrap import Services, open_services
from timeline.config import Settings
from timeline.store import codec
from timeline.store.factory import create_engine, open_event_store
from timeline.store.read_models.backends import advisory_key

TAKEOVER_SECONDS = 2.0


@asynccontextmanager
async def candidates(url: str, count: int) -> AsyncIterator[list[Services]]:
    """``count`` processes' worth of services, each with its projector standing."""
    async with AsyncExitStack() as stack:
        opened = []
        for _ in range(count):
            services = await stack.enter_async_context(
                open_services(Settings(database_url=url, projector_poll_seconds=0.05))
            )
            await stack.enter_async_context(services.projector.running())
            opened.append(services)
        yield opened


async def leaders(projectors: list[Projector], *, within: float = TAKEOVER_SECONDS) -> float:
    """Seconds until exactly one of ``projectors`` leads (fails past ``within``)."""
    started = time.monotonic()
    while sum(p.leading for p in projectors) != 1:
        assert time.monotonic() - started < within, "no single leader in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def projected_up_to(services: Services, position: int) -> None:
    await services.positions.start()
    await services.positions.reach(position, 5)


async def assert_nothing_lost(url: str) -> None:
    """Every read model is the pure fold of the whole log, at its head."""
    store = await open_event_store(url)
    try:
        log = await logged_events(store)
        head = await store.head_position()
    finally:
        await store.close()
    for name in (TIMELINE, MEASURES):
        assert await stored_rows(url, name) == folded_rows(log, name, head)


async def leader_backend(url: str) -> int | None:
    """The server pid of the connection holding the projector's advisory lock."""
    key = advisory_key("projector", "leader")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = :high AND objid = :low AND objsubid = 1 AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
            )
            pid = found.scalar()
            return None if pid is None else int(pid)
    finally:
        await engine.dispose()


async def leader_name(url: str) -> str | None:
    """The leader's ``application_name``, as an operator would look it up."""
    pid = await leader_backend(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            )
            name = found.scalar()
            return None if name is None else str(name)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_one_projector_leads_and_a_standby_takes_over_when_its_connection_dies(
    postgres_database_url: str,
) -> None:
    url = postgres_database_url
    clock = synthetic_clock()
    writer = await open_event_store(url, clock)
    admin = create_engine(url)
    try:
        async with candidates(url, 2) as services:
            projectors = [s.projector for s in services]
            await leaders(projectors)
            head = await append_synthetic_log(writer, clock, facts=20, seed=1)
            await projected_up_to(services[0], head)

            pid = await leader_backend(url)
            assert pid is not None
            async with admin.connect() as conn:
                await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # Writes go on while the lead changes hands.
            head = await append_synthetic_log(writer, clock, facts=10, seed=2)
            started = time.monotonic()
            while await leader_backend(url) in {None, pid}:
                assert time.monotonic() - started < TAKEOVER_SECONDS, "no takeover in 2 s"
                await asyncio.sleep(0.02)
            await leaders(projectors)
            await projected_up_to(services[1], head)
            assert sum(p.leading for p in projectors) == 1
        await assert_nothing_lost(url)
    finally:
        await admin.dispose()
        await writer.close()


def spawn_projector(url: str, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TIMELINE_DATABASE_URL": url, "TIMELINE_PROJECTOR_POLL_SECONDS": "0.05"}
    command = [sys.executable, "-c", "from timeline.cli import main; main()", "projector"]
    return subprocess.Popen([*command, "--name", name], env=env, stderr=subprocess.PIPE)


async def start_projector(url: str, name: str) -> subprocess.Popen[bytes]:
    """``timeline projector`` in a process of its own, once it stands in the election."""
    process = spawn_projector(url, name)
    assert process.stderr is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stderr.readline), 30)
    assert f"projector {name} standing for election".encode() in line, line
    return process


async def until(condition: Callable[[], Awaitable[bool]], within: float) -> float:
    """Seconds until ``condition`` holds (fails past ``within``)."""
    started = time.monotonic()
    while True:
        if await condition():
            return time.monotonic() - started
        assert time.monotonic() - started < within, "not in time"
        await asyncio.sleep(0.02)


@pytest.mark.postgres
async def test_killing_the_leading_projector_process_hands_over_to_a_standby_process(
    postgres_database_url: str,
) -> None:
    url = postgres_database_url
    clock = synthetic_clock()
    writer = await open_event_store(url, clock)
    first = await start_projector(url, "first")
    second: subprocess.Popen[bytes] | None = None
    try:
        await until(lambda: _has_leader(url), 5)
        holder = await leader_backend(url)
        assert await leader_name(url) == "timeline-projector first"
        second = await start_projector(url, "second")
        await asyncio.sleep(0.5)  # it has tried to lead, and stands by
        assert await leader_backend(url) == holder
        await append_synthetic_log(writer, clock, facts=10, seed=3)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        took = await until(lambda: _led_by_other(url, holder), TAKEOVER_SECONDS)
        assert took < TAKEOVER_SECONDS
        assert await leader_name(url) == "timeline-projector second"
        head = await append_synthetic_log(writer, clock, facts=10, seed=4)
        await until(lambda: _projected(url, head), 5)
        await assert_nothing_lost(url)
    finally:
        for process in (first, second):
            if process is not None:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(10)
                if process.stderr is not None:
                    process.stderr.close()
        await writer.close()


async def _has_leader(url: str) -> bool:
    return await leader_backend(url) is not None


async def _led_by_other(url: str, holder: int | None) -> bool:
    return await leader_backend(url) not in {None, holder}


async def _projected(url: str, head: int) -> bool:
    rows = await stored_rows(url, TIMELINE)
    return rows["checkpoint"] == [str(head)]


async def test_on_sqlite_a_file_lock_elects_one_projector_and_the_next_leads_when_it_stops(
    sqlite_database_url: str,
) -> None:
    url = sqlite_database_url
    clock = synthetic_clock()
    writer = await open_event_store(url, clock)
    try:
        async with AsyncExitStack() as stack:
            services = [
                await stack.enter_async_context(
                    open_services(Settings(database_url=url, projector_poll_seconds=0.05))
                )
                for _ in range(2)
            ]
            tasks = [asyncio.create_task(s.projector.run()) for s in services]
            try:
                await leaders([s.projector for s in services])
                head = await append_synthetic_log(writer, clock, facts=10, seed=5)
                await projected_up_to(services[0], head)
                [leading] = [i for i, s in enumerate(services) if s.projector.leading]
                tasks[leading].cancel()  # the leader stops; its lock goes with it
                with pytest.raises(asyncio.CancelledError):
                    await tasks[leading]
                standby = services[1 - leading].projector
                took = await leaders([standby])
                assert took < TAKEOVER_SECONDS
                head = await append_synthetic_log(writer, clock, facts=10, seed=6)
                await projected_up_to(services[1 - leading], head)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        await assert_nothing_lost(url)
    finally:
        await writer.close()


async def test_a_command_that_wrote_settles_the_read_models_itself_or_waits_for_the_leader(
    database_url: str,
) -> None:
    # `timeline seed` and `timeline import`: with no projector anywhere they lead until the
    # read models are at their last write; with one running they wait for it.
    url = database_url
    clock = synthetic_clock()
    writer = await open_event_store(url, clock)
    settings = Settings(database_url=url, projector_poll_seconds=0.05)
    try:
        head = await append_synthetic_log(writer, clock, facts=5, seed=7)
        async with open_services(settings) as alone:
            assert await alone.projector.settle(head, alone.positions, 5) == head
            assert not alone.projector.leading
        await assert_nothing_lost(url)

        async with open_services(settings) as leader, leader.projector.running():
            await leaders([leader.projector])
            head = await append_synthetic_log(writer, clock, facts=5, seed=8)
            async with open_services(settings) as command:
                assert await command.projector.settle(head, command.positions, 5) >= head
                assert not command.projector.leading
                assert leader.projector.leading  # it never lost the lead to the command
        await assert_nothing_lost(url)
    finally:
        await writer.close()


async def test_the_leader_has_the_statistics_of_tables_it_grew_gathered_again(
    postgres_database_url: str,
) -> None:
    # A database with autovacuum off (as this machine's) never analyzes the read models
    # itself: the leader does, after its batches, every projector_statistics_seconds.
    url = postgres_database_url
    clock = synthetic_clock()
    writer = await open_event_store(url, clock)
    settings = Settings(
        database_url=url, projector_poll_seconds=0.05, projector_statistics_seconds=0.1
    )
    engine = create_engine(url)
    try:
        async with open_services(settings) as leader, leader.projector.running():
            await leaders([leader.projector])
            service = TimelineService(writer, codec)
            deadline = time.monotonic() + 15
            analyzed = None
            while analyzed is None:
                assert time.monotonic() < deadline, "fact_revisions never analyzed"
                # Each round grows the table again, so some batch comes after its counts.
                for number in range(20):
                    recorded = await service.record_fact(
                        content("POLICY_ANNOUNCED", f"Fact {number}", "2025-10"),
                        source(number, "2025-10-09"),
                    )
                await projected_up_to(leader, recorded.position)
                async with engine.connect() as conn:
                    analyzed = (
                        await conn.execute(
                            sa.text(
                                "SELECT last_analyze FROM pg_stat_user_tables "
                                "WHERE relname = 'fact_revisions'"
                            )
                        )
                    ).scalar()
        await assert_nothing_lost(url)
    finally:
        await engine.dispose()
        await writer.close()
