"""Value objects rebuilt from values already checked, without checking them again.

Every value object validates on construction, which is right wherever input enters (the API,
the CLI, seeds, an import). Replaying the log is not such a place: each event there was
validated when it was recorded, and the hash chain (``timeline verify``) is what guards the
log since. Revalidating on every replay cost about a third of decoding an event, so the
codec builds the objects of a replay with ``trusted(cls)`` instead.

``trusted(cls)`` is a constructor with the same keyword parameters as the dataclass's own
``__init__`` that sets the fields and skips ``__post_init__``. Like the ``__init__`` that
``dataclasses`` writes, it is generated code: one call per field and no loop, so that it
costs a fraction of the checks it skips. Every field must be given (defaults are not
applied), so the caller states each value. A property test holds it equal to the validating
constructor on generated values (``tests/unit/test_trusted.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import Any, TypeVar, cast

_T = TypeVar("_T")
_V = TypeVar("_V")


def trusted(cls: type[_T], *, unset: Collection[str] = ()) -> Callable[..., _T]:
    """A constructor of the frozen, slotted dataclass ``cls`` that does not validate.

    The fields named in ``unset`` are neither parameters nor set: for a class that fills
    such a slot on first use (``NewEvent.payload``, parsed from its text)."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    fields = dataclasses.fields(cls)
    if not all(field.init for field in fields):
        # Such fields are derived in __post_init__ (a FuzzyDate's from its text): the very
        # code this would skip.
        raise TypeError(f"{cls.__name__} derives fields on construction")
    names = [field.name for field in fields if field.name not in unset]
    unknown = set(unset) - {field.name for field in fields}
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def {cls.__name__}_trusted(*, {', '.join(names)}):", "    instance = _new(_cls)"]
    for name in names:
        # The slot's own descriptor sets the value past the frozen __setattr__.
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        lines.append(f"    _set_{name}(instance, {name})")
    lines.append("    return instance")
    exec("\n".join(lines), namespace)
    built: Callable[..., _T] = namespace[f"{cls.__name__}_trusted"]
    return built


def validated(value: _V) -> _V:
    """``value`` built again through its validating constructors, nested values first:
    what a value entering from outside gets. Raises the ``DomainError`` such input gets.

    For events that arrive as payloads but are input all the same (an imported log), which
    the codec, built for replay, decodes trustingly.
    """
    if isinstance(value, tuple) and type(value) is tuple:
        items: tuple[object, ...] = value
        return cast(_V, tuple(validated(item) for item in items))
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    fields = {
        field.name: validated(getattr(value, field.name))
        for field in dataclasses.fields(value)
        if field.init
    }
    return type(value)(**fields)
