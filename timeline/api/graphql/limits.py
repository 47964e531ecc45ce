"""Limits that refuse an expensive document while it is parsed or validated, before any
resolver runs: its token count, its depth and its number of aliases."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from timeline.api.settings import ApiSettings


def limit_extensions(settings: ApiSettings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that each operation gets fresh extension instances."""
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
    ]
