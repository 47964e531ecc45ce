"""Benchmarks of the event store beside the ``eventsourcing`` library (``python -m bench``)."""
