"""Local wall time of epoch seconds, the one conversion the scheduler, the store and
the report share.

Pure: everything comes from the arguments. `tz` None means the system's zone (as
the TZ environment variable and the OS define it, DST rules included); a tzinfo
(a zoneinfo.ZoneInfo in practice) makes a day replayable anywhere, as the tests do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from datetime import time as dtime


def local_datetime(time_s: float, tz: tzinfo | None) -> datetime:
    """The aware local datetime of an epoch instant; tz None: the system's zone.

    Two versions used to disagree for tz None: the scheduler's returned a naive
    datetime, the store's an aware one carrying the system zone's offset and name
    at that instant. The aware one is kept: its wall-clock fields (date, hour,
    minute, weekday) are the naive one's to the second, so the scheduler decides
    exactly as before, while the report needs the zone's name and offset
    (`tzname()`, `utcoffset()`), which a naive datetime does not carry. During the
    repeated hour of a DST change the offset is the one in force at `time_s`.
    """
    if tz is None:
        return datetime.fromtimestamp(time_s, timezone.utc).astimezone()
    return datetime.fromtimestamp(time_s, tz)


def local_day_bounds(day: date, tz: tzinfo | None) -> tuple[float, float]:
    """Epoch seconds of the local midnight starting `day` and of the next one. DST
    days are 23 or 25 hours long. tz None: the system's zone (its own DST rules)."""
    return _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)


def local_days_bounds(first: date, last: date, tz: tzinfo | None) -> tuple[float, float]:
    """Epoch seconds from the local midnight starting `first` to the one ending
    `last` (the local days first..last inclusive)."""
    return _local_midnight(first, tz), _local_midnight(last + timedelta(days=1), tz)


def _local_midnight(day: date, tz: tzinfo | None) -> float:
    return datetime.combine(day, dtime(), tzinfo=tz).timestamp()
