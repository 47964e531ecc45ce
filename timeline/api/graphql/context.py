"""The per-request context: the services, the caller's identity and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from timeline.api.graphql.errors import Forbidden, Unauthenticated
from timeline.api.graphql.loaders import Loaders, build_loaders
from timeline.api.settings import ApiSettings
from timeline.application.feed import LogFeed
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
    settings: ApiSettings


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
