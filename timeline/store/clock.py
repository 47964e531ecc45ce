"""The real clock, for production; tests inject their own ``Clock``."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """The system's current time in UTC, to the microsecond."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
