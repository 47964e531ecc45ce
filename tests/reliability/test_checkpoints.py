"""Signed checkpoints catch what the hash chain alone cannot: a history rewritten by
someone who recomputed every hash after the change, or cut short."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import stat
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.factories import new_events
from tests.integration.test_verify import tamper
from timeline.application.chain import chain_hash, recorded_content, verify_chain
from timeline.application.checkpoints import (
    InvalidCheckpoint,
    SignedCheckpoint,
    generate_key,
    public_key_hex,
    sign_checkpoint,
    verify_with_checkpoint,
)
from timeline.application.log_checks import EMPTY_LOG, LogHead
from timeline.application.ports import EventStore
from timeline.application.records import RecordedEvent
from timeline.application.transfer import log_head
from timeline.cli import app
from timeline.store.factory import open_event_store
from timeline.store.sql.tables import events

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
HEAD = LogHead(7, "ab" * 32, NOW)
# What does not depend on how a backend stores hashes runs on SQLite only: a throwaway
# PostgreSQL database costs most of a second on a busy machine.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def fill(store: EventStore, streams: list[str]) -> list[RecordedEvent]:
    for stream in streams:
        version = len(await store.read_stream(stream))
        await store.append(stream, new_events(3), expected_version=version)
    return [event async for event in store.read_all()]


def rewrite_and_rechain(log: list[RecordedEvent], position: int) -> list[sa.Executable]:
    """Change the payload at ``position`` and recompute every hash from there on, as a
    forger with the whole database would: the chain verifies again."""
    statements: list[sa.Executable] = []
    previous = log[position - 2].hash if position > 1 else "0" * 64
    for event in log[position - 1 :]:
        if event.position == position:
            event = msgspec.structs.replace(event, payload={"n": "forged"})
        new_hash = chain_hash(previous, recorded_content(event))
        statements.append(
            events.update()
            .where(events.c.position == event.position)
            .values(payload=dict(event.payload), hash=new_hash)
        )
        previous = new_hash
    return statements


def test_a_checkpoint_round_trips_through_json_and_verifies() -> None:
    checkpoint = sign_checkpoint(HEAD, generate_key(), NOW)
    again = SignedCheckpoint.from_json(json.loads(json.dumps(checkpoint.to_json())))
    assert again == checkpoint
    assert again.signature_valid()


@pytest.mark.parametrize(
    "edit",
    [
        {"position": 8},
        {"head_hash": "cd" * 32},
        {"signed_at": NOW + dt.timedelta(microseconds=1)},
        {"public_key": public_key_hex(generate_key().public_key())},
        {"signature": "00" * 64},
    ],
    ids=lambda edit: next(iter(edit)),
)
def test_editing_any_field_of_a_checkpoint_breaks_its_signature(edit: dict[str, object]) -> None:
    checkpoint = sign_checkpoint(HEAD, generate_key(), NOW)
    assert not dataclasses.replace(checkpoint, **edit).signature_valid()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], "checkpoint"),
        ({"format": "other"}, "format"),
        ({"format": "timeline-checkpoint/1", "position": -1}, "position"),
        ({"format": "timeline-checkpoint/1", "position": True}, "position"),
        (
            {"format": "timeline-checkpoint/1", "position": 1, "signed_at": "2026-11-23"},
            "signed_at",
        ),
        (
            {"format": "timeline-checkpoint/1", "position": 1, "signed_at": NOW.isoformat()},
            "head_hash",
        ),
    ],
)
def test_a_malformed_checkpoint_names_its_field(document: object, field: str) -> None:
    with pytest.raises(InvalidCheckpoint) as raised:
        SignedCheckpoint.from_json(document)
    assert raised.value.field == field


@SQLITE_ONLY
async def test_the_log_extends_its_checkpoint_as_it_grows(event_store: EventStore) -> None:
    await fill(event_store, ["a", "b"])
    checkpoint = sign_checkpoint(await log_head(event_store), generate_key(), NOW)
    await fill(event_store, ["a", "c"])

    report = await verify_with_checkpoint(event_store.read_all(batch_size=4), checkpoint)

    assert report.holds, report
    assert report.chain.events_checked == 12


@SQLITE_ONLY
async def test_an_empty_log_checkpoint_holds_for_any_log(event_store: EventStore) -> None:
    checkpoint = sign_checkpoint(EMPTY_LOG, generate_key(), NOW)
    assert (await verify_with_checkpoint(event_store.read_all(), checkpoint)).holds
    await fill(event_store, ["a"])
    assert (await verify_with_checkpoint(event_store.read_all(), checkpoint)).holds


async def test_a_rewrite_with_recomputed_hashes_is_caught(
    event_store: EventStore, database_url: str
) -> None:
    await fill(event_store, ["a", "b", "a"])
    checkpoint = sign_checkpoint(await log_head(event_store), generate_key(), NOW)
    log = await fill(event_store, ["c"])

    await tamper(database_url, rewrite_and_rechain(log, 4))

    # The chain alone is fooled: the forger recomputed it.
    assert (await verify_chain(event_store.read_all())).intact
    report = await verify_with_checkpoint(event_store.read_all(), checkpoint)
    assert not report.holds
    assert report.chain.intact
    assert report.reason is not None
    assert "position 9" in report.reason
    assert "rewritten" in report.reason


@SQLITE_ONLY
async def test_a_rewrite_after_the_checkpoint_is_not_its_business(
    event_store: EventStore, database_url: str
) -> None:
    await fill(event_store, ["a", "b"])
    checkpoint = sign_checkpoint(await log_head(event_store), generate_key(), NOW)
    log = await fill(event_store, ["c"])

    await tamper(database_url, rewrite_and_rechain(log, 8))

    # What came after the checkpoint is only as safe as the chain (and the next checkpoint).
    assert (await verify_with_checkpoint(event_store.read_all(), checkpoint)).holds


@SQLITE_ONLY
async def test_a_history_cut_short_is_caught(event_store: EventStore, database_url: str) -> None:
    await fill(event_store, ["a", "b", "c"])
    checkpoint = sign_checkpoint(await log_head(event_store), generate_key(), NOW)

    await tamper(database_url, [events.delete().where(events.c.position > 5)])

    report = await verify_with_checkpoint(event_store.read_all(), checkpoint)
    assert report.chain.intact
    assert report.reason is not None
    assert "ends at position 5" in report.reason


@SQLITE_ONLY
async def test_only_the_trusted_key_may_vouch(event_store: EventStore) -> None:
    await fill(event_store, ["a"])
    head = await log_head(event_store)
    ours, theirs = generate_key(), generate_key()
    trusted = public_key_hex(ours.public_key())

    forged = sign_checkpoint(head, theirs, NOW)
    report = await verify_with_checkpoint(event_store.read_all(), forged, trusted_key=trusted)
    assert report.reason is not None
    assert "not by the trusted key" in report.reason
    genuine = sign_checkpoint(head, ours, NOW)
    assert (
        await verify_with_checkpoint(event_store.read_all(), genuine, trusted_key=trusted)
    ).holds


def filled(url: str, streams: list[str]) -> list[RecordedEvent]:
    """``fill`` from a synchronous test: the CLI runs its own event loop."""

    async def run() -> list[RecordedEvent]:
        store = await open_event_store(url)
        try:
            return await fill(store, streams)
        finally:
            await store.close()

    return asyncio.run(run())


def test_the_commands_sign_export_and_verify(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TIMELINE_DATABASE_URL": database_url}
    filled(database_url, ["a", "b"])
    key, checkpoint = tmp_path / "signing.pem", tmp_path / "checkpoint.json"

    made = runner.invoke(app, ["checkpoint", "keygen", "--key", str(key)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    again = runner.invoke(app, ["checkpoint", "keygen", "--key", str(key)])
    assert again.exit_code == 1
    assert "not overwriting" in again.output

    signed = runner.invoke(
        app, ["checkpoint", "sign", "--key", str(key), "--output", str(checkpoint)], env=env
    )
    assert signed.exit_code == 0, signed.output
    document = json.loads(checkpoint.read_text())
    assert set(document) == {
        "format",
        "position",
        "head_hash",
        "signed_at",
        "public_key",
        "signature",
    }
    assert document["position"] == 6
    to_stdout = runner.invoke(app, ["checkpoint", "sign", "--key", str(key)], env=env)
    assert json.loads(to_stdout.stdout)["head_hash"] == document["head_hash"]

    log = filled(database_url, ["a"])
    verify = ["verify", "--checkpoint", str(checkpoint), "--public-key", f"{key}.pub"]
    held = runner.invoke(app, verify, env=env)
    assert held.exit_code == 0, held.output
    assert "extends the checkpoint at position 6" in held.output

    asyncio.run(tamper(database_url, rewrite_and_rechain(log, 2)))
    plain = runner.invoke(app, ["verify"], env=env)
    assert plain.exit_code == 0, plain.output  # unchanged behaviour: the chain holds
    refuted = runner.invoke(app, verify, env=env)
    assert refuted.exit_code == 1
    assert "checkpoint refuted" in refuted.output
    assert "position 6" in refuted.output

    checkpoint.write_text(json.dumps({**document, "position": 5}))
    edited = runner.invoke(app, verify, env=env)
    assert edited.exit_code == 1
    assert "signature does not match" in edited.output
    checkpoint.write_text("{not json")
    garbled = runner.invoke(app, verify, env=env)
    assert garbled.exit_code == 1
    assert "cannot read the checkpoint" in garbled.output
