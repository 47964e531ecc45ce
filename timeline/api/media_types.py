"""The media type a GraphQL response is sent in, negotiated from the request's Accept."""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiated(accept: str) -> str:
    """graphql-response+json when the client asks for it before application/json (the
    GraphQL-over-HTTP spec's choice); application/json otherwise, legacy clients included."""
    for part in accept.split(","):
        media_type = part.split(";")[0].strip()
        if media_type == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media_type in {JSON, "*/*", "application/*"}:
            return JSON
    return JSON
