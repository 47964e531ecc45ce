"""Fingerprints that tell an idempotent retry from a different append under the same key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from timeline.application.chain import canonical_json, occurred_json, reported_json
from timeline.application.records import NewEvent


def append_fingerprint(stream_id: str, events: Sequence[NewEvent]) -> str:
    """Hex SHA-256 of what an append says, leaving out what a retry may legitimately change.

    Event ids and metadata are left out: a client that lost the answer to an append and
    rebuilds the same events gets fresh UUIDs (and perhaps a new correlation id), yet it is
    asking for the same thing and must get the original positions back.
    """
    content = {
        "stream_id": stream_id,
        "events": [
            {
                "event_type": event.event_type,
                "schema_version": event.schema_version,
                "payload": event.payload,
                "occurred": occurred_json(event.occurred),
                "reported": reported_json(event.reported),
            }
            for event in events
        ],
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()
