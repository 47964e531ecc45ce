"""The per-request context: the services, the caller's identity and fresh DataLoaders."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from timeline.api.graphql.errors import BadHeader, Forbidden, Unauthenticated
from timeline.api.graphql.loaders import Loaders, build_loaders
from timeline.api.settings import ApiSettings
from timeline.application.feed import LogFeed
from timeline.application.positions import ProjectedPositions
from timeline.application.queries import TimelineQueries
from timeline.application.service import Actor, TimelineService
from timeline.application.tokens import Principal, Role, TokenStore, authenticate


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiServices:
    """What the API calls: the command and read services, the tokens and the log feed."""

    service: TimelineService
    queries: TimelineQueries
    tokens: TokenStore
    feed: LogFeed
    positions: ProjectedPositions
    min_position_wait_seconds: float
    """How long a read waits for the read models to reach the position it asks for."""
    settings: ApiSettings


_POSITION = re.compile(r"[0-9]{1,18}")

MIN_POSITION_HEADER = "Timeline-Min-Position"
"""A request's minimum log position: its read models must reflect at least that much of
the log (the ``position`` a mutation returned, or an event's)."""


@dataclass(kw_only=True)
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    services: ApiServices
    loaders: Loaders
    connection_params: dict[str, object] | None = None
    """Set by the graphql-transport-ws handler from ``connection_init``'s payload."""
    _principal: Principal | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)

    @property
    def service(self) -> TimelineService:
        return self.services.service

    @property
    def queries(self) -> TimelineQueries:
        return self.services.queries

    async def at_least(self, position: int | None) -> int:
        """Wait until the read models reflect the log up to ``position`` (and the
        request's ``Timeline-Min-Position``); their position then. ``ProjectionBehind``
        past the bound."""
        wanted = max(position or 0, self.min_position())
        return await self.services.positions.reach(wanted, self.services.min_position_wait_seconds)

    def min_position(self) -> int:
        """The request's ``Timeline-Min-Position`` header (0 without one)."""
        raw = self.request.headers.get(MIN_POSITION_HEADER)
        if raw is None:
            return 0
        if _POSITION.fullmatch(raw.strip()) is None:
            raise BadHeader(MIN_POSITION_HEADER, "must be a non-negative integer log position")
        return int(raw.strip())

    async def principal(self) -> Principal | None:
        """Who the bearer token says the caller is; None without a token.

        A token that is present but unknown, malformed or revoked is refused outright
        rather than treated as anonymous, so a client never silently loses its rights.
        """
        if not self._checked:
            token = self._bearer_token()
            if token is not None:
                self._principal = await authenticate(self.services.tokens, token)
                if self._principal is None:
                    raise Unauthenticated("the bearer token is not valid")
            self._checked = True
        return self._principal

    async def require(self, role: Role) -> Principal:
        principal = await self.principal()
        if principal is None:
            raise Unauthenticated(f"this operation needs a bearer token with the {role} role")
        if not principal.role.allows(role):
            raise Forbidden(
                f"the token {principal.name!r} has the {principal.role} role, not {role}"
            )
        return principal

    async def require_reader(self) -> None:
        """Reads are open unless the settings ask for a token; a bad token is refused."""
        if self.services.settings.require_read_token:
            await self.require(Role.READER)
        else:
            await self.principal()

    async def actor(self) -> Actor:
        """The writer, as recorded in the metadata of every event this request appends."""
        principal = await self.require(Role.WRITER)
        return Actor(name=principal.name)

    def _bearer_token(self) -> str | None:
        header = self.request.headers.get("authorization")
        if header is None and self.connection_params:
            value = self.connection_params.get("Authorization") or self.connection_params.get(
                "authorization"
            )
            header = value if isinstance(value, str) else None
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        return token.strip()


def build_context(
    request: Request | WebSocket, response: Response | WebSocket | None, services: ApiServices
) -> Context:
    return Context(
        request=request,
        response=response,
        services=services,
        loaders=build_loaders(services.queries),
    )
