"""Waiting for whichever of several things happens first, and for a background task to end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable


async def first_of(*waits: Awaitable[object]) -> None:
    """Return once any of ``waits`` is done. The others are cancelled and awaited before
    this returns (or raises), so no wait is left running behind the caller."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def finish(task: asyncio.Task[None], seconds: float) -> None:
    """Let ``task`` (told to stop) end by itself within ``seconds``, else cancel it; either
    way it has ended when this returns. Ending by itself, it stops between two reads rather
    than in the middle of one, so no driver call (an aiosqlite thread, say) is left running
    when the event loop closes."""
    try:
        await asyncio.wait_for(asyncio.shield(task), seconds)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
