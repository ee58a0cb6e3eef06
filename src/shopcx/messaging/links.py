"""Signed links in messages: the one-click unsubscribe page and tracked redirects (a click is recorded, then the
buyer goes on to the real address). A token is base64(kind.message id.target) and its HMAC-SHA256 with the
secret key (core/tokens.py), so neither the message nor the target can be changed without breaking it."""

from __future__ import annotations

import re

from ..core import tokens
from ..core.errors import NotFound
from .config import get_messaging_settings

_PURPOSE = b"shopcx-message:"
# A web address in a text ends at a space, a quote, a bracket or Chinese punctuation (请看 https://x.cn/a。).
ADDRESS = re.compile(r"https?://[^\s<>\"'）)】，。！？；：、」』]+")
MAX_TOKEN = 4000


class LinkRefused(NotFound):
    """A message link that is forged or changed."""


def sign(kind: str, message_id: int, target: str = "") -> str:
    """A token for one message and kind ('u' unsubscribe, 'c' click with its target address); it does not expire."""
    return tokens.sign_token(_PURPOSE, kind, message_id, target, expires=None)


def verify(token: str, kind: str) -> tuple[int, str]:
    """(message id, target) of a token of this kind; LinkRefused for anything forged or changed."""
    refused = LinkRefused("message_link_invalid", "this link is not valid")
    (got_kind, message_id, target), _ = tokens.read_token(_PURPOSE, token, fields=3, expiring=False,
                                                          max_len=MAX_TOKEN, invalid=refused)
    if got_kind != kind or not message_id.isdecimal():
        raise refused
    return int(message_id), target


def base_url() -> str:
    return get_messaging_settings().public_url.rstrip("/")


def unsubscribe_url(message_id: int) -> str:
    """The signed one-click unsubscribe page of a message."""
    return f"{base_url()}/msg/u/{sign('u', message_id)}"


def tracked(message_id: int, url: str) -> str:
    """A signed redirect to url that records the click on the message."""
    return f"{base_url()}/msg/c/{sign('c', message_id, url)}"


def track_links(text: str, message_id: int) -> str:
    """Every http(s) address in a text replaced by its tracked redirect."""
    return ADDRESS.sub(lambda m: tracked(message_id, m.group(0)), text)
