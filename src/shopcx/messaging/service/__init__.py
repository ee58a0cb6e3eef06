"""Messaging use cases, re-exported for the faces and other domains (see the package docstring of
shopcx.messaging for the public functions)."""

from ..html import html_alternative
from ..links import base_url as public_url
from ..reasons import reason_words
from ..rules import topic_of
from . import preferences
from .log import list_messages, messages_for, send_test, status_counts
from .queueing import (
    MUTED_KEY,
    Draft,
    Queued,
    address_of,
    cap_admit,
    cap_held,
    preferred_locale,
    queue_message,
    queue_messages,
    unreachable,
)
from .settings import ShopRules, current, shop_rules, update_settings
from .staff_mail import send_staff_mails
from .tracking import mark_delivered, message_for_unsubscribe, record_bounce, record_click, unsubscribe

__all__ = ["MUTED_KEY", "Draft", "Queued", "ShopRules", "address_of", "cap_admit", "cap_held", "current",
           "html_alternative", "list_messages", "mark_delivered", "message_for_unsubscribe", "messages_for",
           "preferences", "preferred_locale", "public_url", "queue_message", "queue_messages", "reason_words",
           "record_bounce", "record_click", "send_staff_mails", "send_test", "shop_rules", "status_counts",
           "topic_of", "unreachable", "unsubscribe", "update_settings"]
