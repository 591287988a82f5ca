"""Datetimes in the store are UTC; SQLite forgets the zone, so put it back on read."""

from datetime import datetime, timezone


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)
