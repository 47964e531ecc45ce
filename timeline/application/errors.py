"""Errors the application raises; adapters translate driver errors into these."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base class of every error the application raises on purpose."""


class ConcurrencyError(ApplicationError):
    """The stream moved on since the caller read it: ``expected_version`` is stale."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual_version}, "
            f"not the expected {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class IdempotencyConflict(ApplicationError):
    """An idempotency key was reused for content other than the original append's."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for different content")
        self.key = key


class NotFound(ApplicationError):
    """The thing asked for does not exist (or is not visible at the asked time)."""


class StoreUnavailable(ApplicationError):
    """The database cannot be reached; the request changed nothing and may be retried."""


class SchemaMissing(StoreUnavailable):
    """The database answers but holds no timeline schema: nobody has migrated it yet."""

    def __init__(self) -> None:
        super().__init__("the database has no timeline schema: run `timeline db upgrade`")


class IntegrityViolation(ApplicationError):
    """The log breaks one of its invariants (a broken hash chain, a refused rewrite)."""


class ProjectionBusy(ApplicationError):
    """Another process is already rebuilding the projection; wait for it to finish."""

    def __init__(self, name: str) -> None:
        super().__init__(f"projection {name!r} is being rebuilt by another process")
        self.name = name


class ImportRefused(IntegrityViolation):
    """An imported event does not continue the log: its position, time or hash does not
    follow the event before it. Nothing of the import was written."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"cannot import the event at position {position}: {reason}")
        self.position = position
        self.reason = reason


class ProjectionBehind(StoreUnavailable):
    """The read models did not reach the position a reader asked for within the bound:
    the projector is behind (or down). Nothing was read; the request may be retried."""

    def __init__(self, position: int, projected: int) -> None:
        super().__init__(
            f"the read models are at position {projected}, not yet at the {position} asked for"
        )
        self.position = position
        self.projected = projected
