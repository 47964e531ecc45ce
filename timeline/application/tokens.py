"""API tokens: who may read and write through the API, and how a presented token is checked.

A token is ``tl_<id>_<secret>``: ``id`` is a public lookup key, ``secret`` 32 random bytes
from ``secrets``. The store keeps only the SHA-256 of the whole token. A fast unsalted hash
is enough here, unlike for passwords: the token is high-entropy random data, so there is no
dictionary to try and a salt or a slow KDF would add nothing but latency on every request.
The lookup is by the public id, and the hash is compared with ``hmac.compare_digest`` so the
comparison takes the same time however many characters match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from timeline.domain.errors import InvalidText
from timeline.domain.texts import MAX_LABEL, check_text

TOKEN_PREFIX = "tl"
_TOKEN = re.compile(rf"{TOKEN_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")


class Role(StrEnum):
    """What a token may do; each role can do everything the ones before it can."""

    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenRecord:
    """A token as the store keeps it: never the token itself, only its hash."""

    name: str
    token_id: str
    token_hash: str
    role: Role
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, kw_only=True, slots=True)
class IssuedToken:
    """A new token: ``token`` is shown to its owner once and is not kept anywhere."""

    record: TokenRecord
    token: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Principal:
    """Who a request acts as: the token's name goes into the metadata of what it writes."""

    name: str
    role: Role


class TokenNameTaken(Exception):
    """A token with this name exists already (revoked names are not reused either)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a token named {name!r} exists already")
        self.name = name


class TokenStore(Protocol):
    """Where token records live (``timeline.store.sql.tokens``)."""

    async def add(self, record: TokenRecord) -> None:
        """Store a new record; raise ``TokenNameTaken`` if the name is in use."""
        ...

    async def find(self, token_id: str) -> TokenRecord | None:
        """The record with this public id, revoked or not, or None."""
        ...

    async def records(self) -> list[TokenRecord]:
        """Every record, in creation order."""
        ...

    async def revoke(self, name: str, at: dt.datetime) -> bool:
        """Mark the named token revoked; False if there is no active token by that name."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def check_token_name(name: str) -> str:
    check_text("name", name, MAX_LABEL)
    if not _NAME.fullmatch(name):
        raise InvalidText("name", f"{name!r}: use letters, digits and . _ @ - only")
    return name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_token(store: TokenStore, name: str, role: Role, now: dt.datetime) -> IssuedToken:
    """Make a token for ``name`` with ``role``, store its hash and return it once."""
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    record = TokenRecord(
        name=check_token_name(name),
        token_id=token_id,
        token_hash=hash_token(token),
        role=role,
        created_at=now,
    )
    await store.add(record)
    return IssuedToken(record=record, token=token)


async def authenticate(store: TokenStore, token: str) -> Principal | None:
    """The principal an active token acts as, or None for anything else."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    record = await store.find(match.group(1))
    if record is None or not record.active:
        return None
    if not hmac.compare_digest(record.token_hash, hash_token(token)):
        return None
    return Principal(name=record.name, role=record.role)
