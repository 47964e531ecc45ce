"""What an operator asks of a serving process: how far the read models trail the log (in
events and in seconds), who leads the projection, and how busy the connection pools are.

The log's head and the leader are the primary's word; the projected position is that of the
database this process reads from (a standby's, with ``TIMELINE_READ_DATABASE_URL``), so the
lag covers replication as well as projection: it is how stale this host's answers can be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from timeline.api.metrics import OperationalState, PoolUse
from timeline.bootstrap import Services


@dataclass(frozen=True, slots=True)
class Operations:
    services: Services

    async def state(self) -> OperationalState:
        """Read now; ``StoreUnavailable`` when the database cannot be reached."""
        services = self.services
        head = await services.store.head_position()
        projected = await services.queries.projected_position()
        return OperationalState(
            head=head,
            projected=projected,
            lag_seconds=await self._waited(projected) if head > projected else 0.0,
            leader=await services.leadership.leader(),
            leading_here=services.projector.leading,
            pools=[_pool_use(role, engine) for role, engine in services.engines.items()],
        )

    async def _waited(self, projected: int) -> float:
        """How long the first event past ``projected`` has been in the log."""
        events = self.services.store.read_all(after_position=projected, batch_size=1)
        try:
            event = await anext(events)
        except StopAsyncIteration:
            return 0.0
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
        waited = self.services.clock.now() - event.recorded_at
        return max(waited, dt.timedelta(0)).total_seconds()


def _pool_use(role: str, engine: object) -> PoolUse:
    pool = getattr(engine, "pool", None)

    def count(name: str) -> int:
        method = getattr(pool, name, None)
        return int(method()) if callable(method) else 0

    return PoolUse(
        database=role,
        size=count("size"),
        checked_out=count("checkedout"),
        overflow=max(count("overflow"), 0),
    )
