"""The loyalty use cases other domains and the two faces (api.py, pages.py) call."""

from __future__ import annotations

from .accounts import change_birthday, customers_who_referred, enrol, find_account, get_account
from .earning import sync_order, sync_orders
from .ledger import LoyaltyError
from .program import active, create_program, publish_version, save_draft

__all__ = ["LoyaltyError", "active", "change_birthday", "create_program", "customers_who_referred", "enrol",
           "find_account", "get_account",
           "publish_version", "save_draft", "sync_order", "sync_orders"]
