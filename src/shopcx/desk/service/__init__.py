"""The desk's use cases; other domains and the faces call the names re-exported here."""

from .calendar import shop_calendar

__all__ = ["shop_calendar"]
