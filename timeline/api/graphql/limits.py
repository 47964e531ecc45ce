"""Limits that refuse an expensive document while it is parsed or validated, before any
resolver runs: its token count, its depth and its number of aliases."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
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
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
)

from timeline.api.settings import ApiSettings


def limit_extensions(settings: ApiSettings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that each operation gets fresh extension instances."""
    depth = depth_limit(settings.max_depth)
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules([depth]),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
    ]


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
