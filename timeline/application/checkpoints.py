"""Signed checkpoints: a witness, kept outside the database, of what the log's head was.

The hash chain proves that the log agrees with itself, not that it is the log it used to
be: whoever controls the database can rewrite an old event and recompute every hash after
it, and ``verify_chain`` finds nothing wrong. A checkpoint closes that gap. It is the
position and hash of the log's head, signed with an Ed25519 key that does not live in the
database; kept elsewhere (another machine, a ticket, a commit), it proves later that the
log still extends the history it saw. Every hash covers the one before it, so the single
hash at the checkpoint's position pins every event up to it: a rewrite before that
position changes the hash there, however carefully the forger recomputed the chain.

The signature makes a checkpoint file tamper-evident too (its position or hash cannot be
edited to match a forged log), and ``trusted_key`` pins who may have signed it, so a forger
cannot sign a fresh checkpoint of the forged log with a key of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from timeline.application.chain import (
    GENESIS_HASH,
    ChainReport,
    canonical_json,
    utc_iso,
    verify_chain,
)
from timeline.application.errors import ApplicationError
from timeline.application.log_checks import LogHead
from timeline.application.records import JSONValue, RecordedEvent

CHECKPOINT_FORMAT = "timeline-checkpoint/1"
"""Names what the signature covers, so a signature made for anything else never verifies."""

_HEX_DIGITS = frozenset("0123456789abcdef")


class InvalidCheckpoint(ApplicationError):
    """A checkpoint or key file that cannot be read as one: names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, kw_only=True, slots=True)
class SignedCheckpoint:
    """The head of a log at ``position`` (``head_hash``), signed at ``signed_at``.

    ``public_key`` (hex of the raw 32 bytes) verifies ``signature`` (hex of 64 bytes)
    over ``signed_bytes``; the key is part of what is signed."""

    position: int
    head_hash: str
    signed_at: dt.datetime
    public_key: str
    signature: str

    def signed_bytes(self) -> bytes:
        return signed_content(self.position, self.head_hash, self.signed_at, self.public_key)

    def signature_valid(self) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            key.verify(bytes.fromhex(self.signature), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "format": CHECKPOINT_FORMAT,
            "position": self.position,
            "head_hash": self.head_hash,
            "signed_at": utc_iso(self.signed_at),
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, value: object) -> SignedCheckpoint:
        """The checkpoint in ``value`` (parsed JSON); ``InvalidCheckpoint`` names the first
        field that is missing or malformed. The signature is not checked here."""
        if not isinstance(value, Mapping):
            raise InvalidCheckpoint("checkpoint", "not a JSON object")
        if value.get("format") != CHECKPOINT_FORMAT:
            raise InvalidCheckpoint("format", f"expected {CHECKPOINT_FORMAT!r}")
        position = value.get("position")
        if type(position) is not int or position < 0:
            raise InvalidCheckpoint("position", "not a whole number of at least 0")
        signed_at = value.get("signed_at")
        try:
            moment = dt.datetime.fromisoformat(signed_at) if isinstance(signed_at, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise InvalidCheckpoint("signed_at", "not an ISO 8601 instant with an offset")
        return cls(
            position=position,
            head_hash=_hex(value, "head_hash", 32),
            signed_at=moment.astimezone(dt.UTC),
            public_key=_hex(value, "public_key", 32),
            signature=_hex(value, "signature", 64),
        )


def signed_content(position: int, head_hash: str, signed_at: dt.datetime, public_key: str) -> bytes:
    """The bytes a checkpoint's signature covers: canonical JSON, tagged with the format."""
    return canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "position": position,
            "head_hash": head_hash,
            "signed_at": utc_iso(signed_at),
            "public_key": public_key,
        }
    )


def sign_checkpoint(head: LogHead, key: Ed25519PrivateKey, now: dt.datetime) -> SignedCheckpoint:
    """A checkpoint of ``head`` (``EMPTY_LOG`` signs position 0 and the genesis hash)."""
    public_key = public_key_hex(key.public_key())
    # Signed as to_json will write it: utc_iso keeps microseconds, so nothing is lost.
    signed_at = now.astimezone(dt.UTC)
    signature = key.sign(signed_content(head.position, head.hash, signed_at, public_key))
    return SignedCheckpoint(
        position=head.position,
        head_hash=head.hash,
        signed_at=signed_at,
        public_key=public_key,
        signature=signature.hex(),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckpointReport:
    """What ``verify_with_checkpoint`` found: the chain's own report, and whether the log
    still extends the checkpointed history (``reason`` says why not)."""

    chain: ChainReport
    reason: str | None = None

    @property
    def holds(self) -> bool:
        return self.chain.intact and self.reason is None


async def verify_with_checkpoint(
    events: AsyncIterable[RecordedEvent],
    checkpoint: SignedCheckpoint,
    *,
    trusted_key: str | None = None,
) -> CheckpointReport:
    """Walk the chain (``verify_chain``) and check the checkpoint against it: its signature
    is valid (and made by ``trusted_key``, hex, when given), the log reaches its position,
    and the event there has its hash."""
    if not checkpoint.signature_valid():
        reason: str | None = "the signature does not match the checkpoint's content and key"
        return CheckpointReport(chain=await verify_chain(events), reason=reason)
    if trusted_key is not None and trusted_key != checkpoint.public_key:
        reason = (
            f"signed by key {checkpoint.key_fingerprint}, not by the trusted key "
            f"{key_fingerprint(trusted_key)}"
        )
        return CheckpointReport(chain=await verify_chain(events), reason=reason)

    found: list[str] = [GENESIS_HASH] if checkpoint.position == 0 else []
    head = 0

    async def watched() -> AsyncIterator[RecordedEvent]:
        nonlocal head
        async for event in events:
            head = event.position
            if event.position == checkpoint.position:
                found.append(event.hash)
            yield event

    chain = await verify_chain(watched())
    if not chain.intact:
        return CheckpointReport(chain=chain)  # the chain's own reason says more
    if not found:
        reason = (
            f"the log ends at position {head}, before the checkpoint's position "
            f"{checkpoint.position}: events it covered are gone"
        )
    elif found[0] != checkpoint.head_hash:
        reason = (
            f"the event at position {checkpoint.position} has hash {found[0][:16]}…, the "
            f"checkpoint says {checkpoint.head_hash[:16]}…: the history before it was rewritten"
        )
    else:
        reason = None
    return CheckpointReport(chain=chain, reason=reason)


# -- keys -----------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted: the file's 0600 mode is what keeps it (see the CLI)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise InvalidCheckpoint("key", f"not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidCheckpoint("key", "not an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> str:
    """The hex of the raw public key in a PEM file (a private key's file gives its public
    half, so either file pins the signer)."""
    try:
        key: object = serialization.load_pem_public_key(pem)
    except ValueError:
        key = load_private_key(pem).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidCheckpoint("public key", "not an Ed25519 key")
    return public_key_hex(key)


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_fingerprint(public_key: str) -> str:
    """A short name for a public key (hex), to compare by eye: SHA-256, first 16 digits."""
    try:
        raw = bytes.fromhex(public_key)
    except ValueError:
        raw = public_key.encode()
    return "SHA256:" + hashlib.sha256(raw).hexdigest()[:16]


def _hex(value: Mapping[str, object], field: str, size: int) -> str:
    text = value.get(field)
    if not isinstance(text, str) or len(text) != size * 2 or not set(text) <= _HEX_DIGITS:
        raise InvalidCheckpoint(field, f"not {size} bytes of lower-case hex")
    return text
