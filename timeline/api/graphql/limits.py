"""Limits that refuse an expensive document while it is parsed or validated, before any
resolver runs: its token count, its depth and its number of aliases.

A document that passes is remembered by its text (``CheckedDocuments``): the next request
with the same text, as every client's own queries are, reuses its parsed document and skips
validation, which for a timeline page cost more than running it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from graphql.language import SKIP, VisitorAction
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator

from timeline.api.settings import ApiSettings

CHECKED_DOCUMENTS = 256
"""Documents remembered per schema: a bound, so unique texts cannot grow memory."""


def limit_extensions(settings: ApiSettings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that each operation gets a fresh extension instance; the rules, and
    the documents that passed them, are shared."""
    rules = (depth_limit(settings.max_depth), create_validator(settings.max_aliases))
    checked: LRUCache[str, DocumentNode] = LRUCache(CHECKED_DOCUMENTS)
    return [lambda: CheckedDocuments(settings.max_tokens, rules, checked)]


class CheckedDocuments(SchemaExtension):
    """The token limit at parsing, the depth and alias limits at validation, and the cache.

    It does what Strawberry's ``MaxTokensLimiter``, ``AddValidationRules`` and
    ``MaxAliasesLimiter`` did (the same limits, the same messages), plus what its
    ``ParserCache`` and ``ValidationCache`` would: those cannot be combined with the alias
    limiter, which makes a new rule class per request and so a new validation cache key.
    Only documents that validated are kept, so an error is never shared between requests.
    """

    def __init__(
        self,
        max_tokens: int,
        rules: tuple[type[ValidationRule], ...],
        checked: LRUCache[str, DocumentNode],
    ) -> None:
        """``checked``: the parsed documents of texts that parsed and validated, least
        recently used out."""
        self._max_tokens = max_tokens
        self._rules = rules
        self._checked = checked
        self._known = False

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self._max_tokens
        context.validation_rules = context.validation_rules + self._rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            known = self._checked.get(context.query)
            if known is not None:  # else Strawberry parses it, and answers its errors
                context.graphql_document = known
                self._known = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._known:
            context.pre_execution_errors = []  # Strawberry validates only when this is None
        yield
        if not self._known and context.pre_execution_errors == [] and context.query:
            assert context.graphql_document is not None
            self._checked[context.query] = context.graphql_document


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """A rule refusing operations whose fields nest deeper than ``max_depth``.

    It counts as Strawberry's ``QueryDepthLimiter`` does (top-level fields are at depth 0,
    introspection fields are not followed, a fragment spread adds nothing, a cycle ends the
    walk), which it replaces: that one took ``max()`` of an empty selection set, which
    graphql-core 3.3 parses (``{}``), and the request answered INTERNAL.
    """

    class DepthLimit(ValidationRule):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_: object
        ) -> VisitorAction:
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            if _deepest(node.selection_set, fragments, 0, max_depth, frozenset()) > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", node)
                )
            return SKIP  # nothing inside an operation is this rule's business any more

    return DepthLimit


def _deepest(
    selections: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    depth: int,
    limit: int,
    visited: frozenset[str],
) -> int:
    """The depth of the deepest field under ``selections``, whose fields are at ``depth``;
    the walk stops once past ``limit``, so a huge document costs no more than a deep one."""
    deepest = depth
    for selection in selections.selections:
        if deepest > limit:
            break
        if isinstance(selection, FieldNode):
            if selection.selection_set is not None and not selection.name.value.startswith("__"):
                deepest = max(
                    deepest, _deepest(selection.selection_set, fragments, depth + 1, limit, visited)
                )
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(
                deepest, _deepest(selection.selection_set, fragments, depth, limit, visited)
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visited:
                deepest = max(
                    deepest,
                    _deepest(fragment.selection_set, fragments, depth, limit, visited | {name}),
                )
    return deepest
