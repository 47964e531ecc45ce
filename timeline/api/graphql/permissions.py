"""Who may run what: reads are open unless configured otherwise, writes need the writer role."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from timeline.api.graphql.context import Context
from timeline.application.tokens import Role


class CanRead(BasePermission):
    """Raises UNAUTHENTICATED itself when reads need a token; never answers False."""

    message = "reading needs a bearer token"

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        await info.context.require_reader()
        return True


class CanWrite(BasePermission):
    """Raises UNAUTHENTICATED without a token and FORBIDDEN for a reader's token."""

    message = "writing needs a bearer token with the writer role"

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        await info.context.require(Role.WRITER)
        return True


READ: list[type[BasePermission]] = [CanRead]
WRITE: list[type[BasePermission]] = [CanWrite]
