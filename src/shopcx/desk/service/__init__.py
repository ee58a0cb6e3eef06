"""The desk's use cases; other domains and the faces call the names re-exported here."""

from .calendar import confirm_year, holidays, remove_holiday, set_holiday, set_weekly_hours, settings_of, shop_calendar
from .sla import CHANNELS, METRICS, PRIORITIES, policies, save_policy, states, targets_for
from .tickets import (
    CATEGORIES,
    STATUSES,
    TRANSITIONS,
    add_message,
    assign,
    create_ticket,
    existing_ticket,
    get_ticket,
    history,
    round_robin,
    set_category,
    set_priority,
    thread,
    transition,
)

__all__ = ["CATEGORIES", "CHANNELS", "METRICS", "PRIORITIES", "STATUSES", "TRANSITIONS", "add_message", "assign",
           "confirm_year", "create_ticket", "existing_ticket", "get_ticket", "history", "holidays", "policies",
           "remove_holiday",
           "round_robin", "save_policy", "set_category", "set_holiday", "set_priority", "set_weekly_hours",
           "settings_of", "shop_calendar", "states", "targets_for", "thread", "transition"]
