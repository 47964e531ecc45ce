"""Read statements compiled once per dialect and shape, and run on the driver's rows.

Building a page's SELECT in SQLAlchemy Core, generating its cache key and finding its
compiled form took half to two thirds of a page read's CPU (the page statement names a
dozen tables and subqueries; bench/README item 33). A read whose values are all bind
parameters has one text per shape (which clauses it has, how many values each list holds),
so it is compiled the first time a shape is met and afterwards only its values are bound:
each by its type's own bind processor, and each column read back by its type's own result
processor, as SQLAlchemy's execution would.

``tests/contract/test_read_statements.py`` holds the rows read this way equal to the rows
SQLAlchemy's own execution of the same statement reads, for pages of every shape and for
the measures.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

Process = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """A statement's text for one dialect, how to bind its values and how to read its rows."""

    text: str
    names: tuple[str, ...]
    """The bind parameters' names in the order the text takes them."""
    binds: Mapping[str, Process]
    columns: tuple[str, ...]
    processed: tuple[tuple[int, Process], ...]
    """The columns whose driver value a result processor turns into the type's value."""

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """``values`` by name as the driver takes them, in the text's order."""
        return tuple(self.binds[name](values.get(name)) for name in self.names)

    def mapped(self, raw: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The statement's rows as the driver read them (the store's ``_driver_rows``),
        each a mapping by column name with every value as its type reads it."""
        columns, processed = self.columns, self.processed
        rows = []
        for found in raw:
            values_read = list(found)
            for index, process in processed:
                values_read[index] = process(values_read[index])
            rows.append(dict(zip(columns, values_read, strict=True)))
        return rows


def compiled_read(
    dialect: sa.Dialect, statement: sa.Select[Any], *, typed: bool = True
) -> CompiledRead:
    """``statement`` (every value a bind parameter, or a constant it fixes itself) compiled
    for ``dialect``; ``typed=False`` for a caller that reads the driver's values itself
    (none is processed, and ``mapped`` is not for it)."""
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, Process] = {}
    for name, bind in compiled.binds.items():
        if bind.value is not None:
            binds[name] = functools.partial(_fixed, bind.value)
        else:
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds[name] = _none_kept(process) if process is not None else _as_is
    columns: tuple[str, ...] = ()
    processed = []
    if typed:
        columns = tuple(statement.selected_columns.keys())
        for index, column in enumerate(statement.selected_columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                processed.append((index, process))
    return CompiledRead(
        str(compiled), tuple(compiled.positiontup or ()), binds, columns, tuple(processed)
    )


def _fixed(value: Any, _: Any) -> Any:
    return value


def _as_is(value: Any) -> Any:
    return value


def _none_kept(process: Process) -> Process:
    return lambda value: None if value is None else process(value)
