"""The read models in SQL, apart from the event store: their tables, the rows a projection
writes and the queries that read them, per backend, and their rebuilds."""
