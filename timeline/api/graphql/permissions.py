"""Who may run what: reads are open unless configured otherwise, writes need the writer role.

Each permission decides from the request's context alone (``check``), so that a compiled
query (``compiled``) applies a field's own ``permission_classes``, whatever they are, and
does not restate them."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.application.tokens import Role


class ContextPermission(BasePermission):
    """A permission that needs nothing of a field but the request's context."""

    @staticmethod
    async def check(context: Context) -> None:
        """Raise the typed refusal; return when allowed."""
        raise NotImplementedError

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        await self.check(info.context)
        return True


class CanRead(ContextPermission):
    """Raises UNAUTHENTICATED itself when reads need a token; never answers False."""

    message = "reading needs a bearer token"

    @staticmethod
    async def check(context: Context) -> None:
        await context.require_reader()


class CanWrite(ContextPermission):
    """Raises UNAUTHENTICATED without a token and FORBIDDEN for a reader's token."""

    message = "writing needs a bearer token with the writer role"

    @staticmethod
    async def check(context: Context) -> None:
        await context.require(Role.WRITER)


READ: list[type[BasePermission]] = [CanRead]
WRITE: list[type[BasePermission]] = [CanWrite]
