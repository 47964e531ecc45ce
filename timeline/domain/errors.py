"""Errors the domain raises on bad input or a refused command.

Every error names the field at fault and the reason, so that an edge (GraphQL, CLI, seed
loader) can point at the exact input without parsing a message.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``field`` is a dotted path into the input, ``reason`` says what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidText(DomainError):
    """A text field is empty, too long or holds characters it must not."""


class InvalidFuzzyDate(DomainError):
    """Not EDTF, outside the supported subset, or not a date on the calendar."""


class InvalidQuantity(DomainError):
    """A value, unit or qualifier that cannot describe an amount."""


class UnitMismatch(DomainError):
    """A figure's unit does not match the unit its measure was registered with."""


class NotAdditive(DomainError):
    """Quantities that cannot be summed (ratios, or different units)."""


class InvalidFigure(DomainError):
    """A figure whose measure key, period or equivalent is malformed."""


class InvalidSource(DomainError):
    """A source without a publisher, quote, usable URL or bounded publication date."""


class InvalidFact(DomainError):
    """Fact content that breaks a rule (bad kind, duplicate topic, missing figure...)."""


class UnknownPhrase(DomainError):
    """A relative date phrase that no rule knows how to resolve."""


class FactRetractedError(DomainError):
    """A command on a fact that was retracted; retraction is final."""

    def __init__(self, field: str = "fact", reason: str = "the fact was retracted") -> None:
        super().__init__(field, reason)


class StaleRevision(DomainError):
    """The caller decided on an older revision of the fact than the current one."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__("expected_revision", f"the fact is at revision {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


class UnexpectedEvent(DomainError):
    """An event that cannot follow the state it is applied to (a corrupt or mixed stream)."""
