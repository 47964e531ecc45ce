"""How errors reach clients: every error gets ``extensions.code``; unexpected ones are masked.

The schema's ``process_errors`` hook (see ``schema.py``) calls ``describe`` on every error
of every result, HTTP and WebSocket alike, before it is serialised:

========================  =============================================================
code                      raised for
========================  =============================================================
BAD_USER_INPUT            a DomainError (``extensions.field`` names the input), a bad
                          variable or literal (scalar, enum, missing value), a malformed
                          header (``extensions.field`` names it)
CONFLICT                  a stale expectedRevision, a concurrent write, an idempotency
                          key reused with other content, a command on a retracted fact
NOT_FOUND                 no such fact
UNAUTHENTICATED           no valid token where one is needed
FORBIDDEN                 a token whose role does not allow the operation
UNAVAILABLE               the database cannot be reached (HTTP 503), or the read models did
                          not reach the minimum position asked for within the bound
                          (``extensions.position`` asked, ``extensions.projected`` reached)
INTERNAL                  anything else; the message is masked and the error logged
GRAPHQL_PARSE_FAILED      not a GraphQL document, or longer than the token limit
GRAPHQL_VALIDATION_FAILED not valid against the schema, or beyond the depth/alias limits
BAD_REQUEST               not a GraphQL request at all: a body that is not JSON (or not
                          UTF-8, or not an object), no query, an unsupported content type
                          (HTTP 400; raised by the view, see ``request_error_code``)
METHOD_NOT_ALLOWED        a mutation sent with GET, or a method other than GET and POST
                          (HTTP 405)
========================  =============================================================
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from enum import StrEnum

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    ListValueNode,
    Node,
    ObjectValueNode,
    ValueNode,
    visit,
)
from graphql.language import ArgumentNode, Visitor

from timeline.application.errors import (
    ConcurrencyError,
    IdempotencyConflict,
    NotFound,
    ProjectionBehind,
    StoreUnavailable,
)
from timeline.domain.errors import DomainError, FactRetractedError, StaleRevision

logger = logging.getLogger("timeline.api")

INTERNAL_MESSAGE = "Internal server error."


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"


class Unauthenticated(Exception):
    """The operation needs a valid bearer token and the request has none."""


class Forbidden(Exception):
    """The request's token does not have the role the operation needs."""


class BadHeader(Exception):
    """A request header the API reads has a value it cannot use."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"{header}: {reason}")
        self.header = header


# graphql-core's wording: "Variable '$input' has invalid value at .figure.value: ...".
_VARIABLE = re.compile(r"^Variable '\$(\w+)' (?:has invalid value(?: at )?((?:\.\w+|\[\d+\])*))?")
_MISSING_FIELD = re.compile(
    r"(?:Field '(\w+)' of required type '[^']+' was not provided"
    r"|to include required field '(\w+)')"
)
_LITERAL_PROBLEMS = (
    "Expected value of type",
    "Expected type",
    "does not exist in",
    "Field '",  # an input object's missing or unknown field
)


def describe(error: GraphQLError, document: DocumentNode | None) -> None:
    """Set ``error.extensions["code"]`` (and ``field``), masking unexpected errors in place."""
    cause = root_cause(error)
    code, field = _classify(error, cause, document)
    extensions = dict(error.extensions or {})
    extensions["code"] = code.value
    if field is not None:
        extensions["field"] = field
    if isinstance(cause, StaleRevision):
        extensions["actualRevision"] = cause.actual
    if isinstance(cause, ProjectionBehind):
        extensions["position"] = cause.position
        extensions["projected"] = cause.projected
    if code is ErrorCode.INTERNAL:
        logger.error("unexpected error in %s", error.path, exc_info=cause or error)
        error.message = INTERNAL_MESSAGE
        error.original_error = None
        extensions = {"code": code.value}
    elif isinstance(cause, DomainError) and field is not None:
        error.message = f"{field}: {cause.reason}"
    error.extensions = extensions


def root_cause(error: GraphQLError) -> BaseException | None:
    """The exception behind ``error``: None when graphql-core itself found the problem."""
    cause: BaseException | None = error.original_error
    while isinstance(cause, GraphQLError):
        cause = cause.original_error
    return cause


def _classify(
    error: GraphQLError, cause: BaseException | None, document: DocumentNode | None
) -> tuple[ErrorCode, str | None]:
    if isinstance(error, GraphQLSyntaxError):
        return ErrorCode.GRAPHQL_PARSE_FAILED, None
    if isinstance(cause, StaleRevision | FactRetractedError):
        return ErrorCode.CONFLICT, camel_path(cause.field)
    if isinstance(cause, DomainError):
        return ErrorCode.BAD_USER_INPUT, _input_path(error, document) or camel_path(cause.field)
    if isinstance(cause, ConcurrencyError | IdempotencyConflict):
        return ErrorCode.CONFLICT, None
    if isinstance(cause, NotFound):
        return ErrorCode.NOT_FOUND, None
    if isinstance(cause, StoreUnavailable):
        return ErrorCode.UNAVAILABLE, None
    if isinstance(cause, BadHeader):
        return ErrorCode.BAD_USER_INPUT, cause.header
    if isinstance(cause, Unauthenticated):
        return ErrorCode.UNAUTHENTICATED, None
    if isinstance(cause, Forbidden):
        return ErrorCode.FORBIDDEN, None
    if cause is not None or error.path is not None:
        return ErrorCode.INTERNAL, None
    # A graphql-core error about the request itself: bad input or an invalid document.
    if error.message.startswith("Variable '$"):
        return ErrorCode.BAD_USER_INPUT, _input_path(error, document)
    if error.message.startswith(_LITERAL_PROBLEMS):
        return ErrorCode.BAD_USER_INPUT, _input_path(error, document)
    return ErrorCode.GRAPHQL_VALIDATION_FAILED, None


def _input_path(error: GraphQLError, document: DocumentNode | None) -> str | None:
    """The argument path an input error is about: from the variable, or the literal's place."""
    match = _VARIABLE.match(error.message)
    if match is not None:
        path = match.group(1) + (match.group(2) or "")
        missing = _MISSING_FIELD.search(error.message)
        return f"{path}.{missing.group(1) or missing.group(2)}" if missing else path
    if document is None or not error.nodes:
        return None
    return literal_path(document, error.nodes[0])


def literal_path(document: DocumentNode, target: Node) -> str | None:
    """``input.figure.value`` for a value node inside an argument of ``document``."""
    found: list[str] = []

    class Finder(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            path = _search(node.value, [node.name.value], target)
            if path is not None and not found:
                found.append(".".join(path))

    visit(document, Finder())
    return found[0] if found else None


def _search(value: ValueNode, path: list[str], target: Node) -> list[str] | None:
    if value is target:
        return path
    children: Iterable[tuple[str, ValueNode]] = ()
    if isinstance(value, ObjectValueNode):
        children = ((f".{field.name.value}", field.value) for field in value.fields)
    elif isinstance(value, ListValueNode):
        children = ((f"[{index}]", item) for index, item in enumerate(value.values))
    for step, child in children:
        found = _search(child, [*path[:-1], path[-1] + step], target)
        if found is not None:
            return found
    return None


def camel_path(field: str) -> str:
    """A domain field path as the API spells it: ``content.occurred_phrase`` becomes
    ``content.occurredPhrase``, and ``figure.quantity.unit`` (the API flattens a figure's
    quantity into the figure) becomes ``figure.unit``."""
    field = field.replace(".quantity.", ".")
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)


def http_status(codes: Iterable[str]) -> int | None:
    """The status a response whose data is null should carry for these codes, if not 200."""
    if ErrorCode.UNAVAILABLE.value in codes:
        return 503
    return None


def request_error_code(status: int) -> ErrorCode:
    """The code of a request refused before any GraphQL ran, by the HTTP status it gets."""
    if status == 405:
        return ErrorCode.METHOD_NOT_ALLOWED
    if status == 404:
        return ErrorCode.NOT_FOUND
    return ErrorCode.BAD_REQUEST
