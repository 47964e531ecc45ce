"""GraphQL over HTTP and graphql-transport-ws, on Strawberry's ASGI view.

What this adds to Strawberry's view, following the GraphQL-over-HTTP spec:

* a client that accepts ``application/graphql-response+json`` gets that media type, and a
  request error (a document that does not parse or validate, bad variables) answers 400
  with no ``data`` entry; with ``application/json`` such errors answer 200, as legacy
  clients expect;
* a response whose only answer is that the database is down answers 503;
* a body that is not a JSON object (or batch) in UTF-8 answers 400, not 500;
* WebSocket subscriptions speak graphql-transport-ws only.
"""

from __future__ import annotations

import json
import time

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from timeline.api.graphql.context import ApiServices, Context, build_context
from timeline.api.graphql.errors import http_status
from timeline.api.graphql.schema import TimelineSchema
from timeline.api.metrics import observe
from timeline.api.settings import ApiSettings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class TimelineGraphQL(GraphQL[Context, None]):
    services: ApiServices | None = None
    """Set by the application's lifespan once the database is open."""

    def __init__(self, schema: TimelineSchema, settings: ApiSettings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origins,
        )

    def decode_json(self, data: str | bytes) -> object:
        """A request body (or a GET's ``variables``): JSON in UTF-8, an object or a batch.

        Anything else is a 400. ``json.loads`` on bytes would guess UTF-16 or UTF-32 from
        NUL bytes and raise UnicodeDecodeError, and a bare number or null reached code that
        expects an object: both answered 500 (found by ``tests/reliability/fuzzing.py``).
        """
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8 text") from None
        value = json.loads(text)
        if not isinstance(value, dict | list):
            raise HTTPException(400, "Expected a JSON object")
        return value

    def encode_json(self, data: object) -> str:
        """Text, as WebSocket messages and multipart parts are sent (a browser reads a
        binary frame as a Blob); HTTP bodies are written by ``encode_body``."""
        return self.encode_body(data).decode()

    def encode_body(self, data: object) -> bytes:
        """orjson, three to five times faster than ``json.dumps`` on a page of facts; the
        standard encoder for what orjson refuses (a lone surrogate in an echoed error
        message, an integer past 64 bits), so nothing it could encode answers 500."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        if self.services is None:
            raise RuntimeError("the API's services are not open: run the app's lifespan")
        if isinstance(response, Response):
            request.state.graphql_sub_response = response
        return build_context(request, response, self.services)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        operation = None if isinstance(request_data, list) else request_data.operation_name
        request.state.graphql_operation = operation
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
            outcome = _outcome(result)
            return result
        except HTTPException as error:
            outcome = "refused"
            if request_adapter.method == "GET" and "not allowed" in error.reason:
                # The spec's answer to a mutation sent with GET: 405 Method Not Allowed.
                raise HTTPException(405, error.reason) from error
            raise
        finally:
            observe(operation, outcome, time.perf_counter() - started)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        errors = result.errors or []
        request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
        if request_error:
            # The spec's "request error": the operation never ran, so there is no data.
            response.pop("data", None)
        media_type = _media_type(request)
        status = None
        if result.data is None and errors:
            codes = [str((e.extensions or {}).get("code", "")) for e in errors]
            status = http_status(codes)
        if status is None and request_error and media_type == GRAPHQL_RESPONSE:
            status = 400
        sub_response: Response | None = getattr(request.state, "graphql_sub_response", None)
        if sub_response is not None:
            if status is not None:
                sub_response.status_code = status
            sub_response.media_type = media_type
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = Response(
            self.encode_body(response_data),
            status_code=sub_response.status_code or 200,
            media_type=f"{sub_response.media_type or JSON}; charset=utf-8",
        )
        for name, value in sub_response.headers.items():
            if name not in {"content-type", "content-length"}:
                response.headers.append(name, value)
        response.background = sub_response.background
        return response


def _outcome(result: ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult) -> str:
    """ "ok", or the code of the first error: what the metrics count an answer as."""
    if not isinstance(result, ExecutionResult) or not result.errors:
        return "ok"
    return str((result.errors[0].extensions or {}).get("code", "error"))


def _media_type(request: Request) -> str:
    """graphql-response+json when the client asks for it before application/json."""
    accepted = [part.split(";")[0].strip() for part in request.headers.get("accept", "").split(",")]
    for media_type in accepted:
        if media_type == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media_type in {JSON, "*/*", "application/*"}:
            return JSON
    return JSON
