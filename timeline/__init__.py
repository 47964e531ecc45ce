"""timeline: an event-sourced policy timeline engine with a GraphQL API."""
