"""Passwords (argon2), random tokens, HMAC signatures and PII masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, given: str | None) -> bool:
    """Constant-time check of an HMAC-SHA256 signature given as hex, 'sha256=<hex>' or base64."""
    if not given or not given.isascii():
        return False
    given = given.strip()
    if given.startswith("sha256="):
        given = given[len("sha256="):]
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    return hmac.compare_digest(digest.hexdigest(), given.lower()) or hmac.compare_digest(
        base64.b64encode(digest.digest()).decode(), given)


def generate_password(length: int = 16) -> str:
    """A random password a person can type: letters and digits without look-alikes."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def mask_phone(phone: str | None) -> str | None:
    """13800138000 (or +8613800138000) -> 138****8000; +905051234567 -> +90*******4567."""
    if not phone:
        return phone
    if phone.startswith("+86") and len(phone) == 14:
        phone = phone[3:]  # a mainland mobile reads as staff write it: 138****8000
    if len(phone) <= 4:
        return "*" * len(phone)
    keep_head = 3 if len(phone) >= 9 else 1
    return phone[:keep_head] + "*" * (len(phone) - keep_head - 4) + phone[-4:]


def mask_email(email: str | None) -> str | None:
    """zhang.san@example.com -> z***@example.com."""
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


# --- contacts inside free text ------------------------------------------------------------------------------------
# Matching runs on a same-length copy with full-width digits and signs folded to ASCII (１３８ → 138), so the
# spans found map one to one onto the original text. Boundaries are ASCII letters and digits only: Chinese text
# runs straight into a number ("打13800138000"), while an order number or tracking number keeps its letters.
_FOLD = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "＋": "+", "－": "-", "（": "(", "）": ")",
                       "＠": "@", "．": ".", "\u3000": " ", "\u00a0": " ", "﹣": "-", "‐": "-", "‑": "-", "–": "-"})
_S = r"[ \-.]?"  # one optional separator between digit groups
_PHONES = re.compile("|".join((
    # Chinese mobiles: 13800138000, 138-1234-5678, 138 0013 8000, +86 139 8765 4321, (+86)13987654321, 0086…
    rf"(?:(?:\+|00)?86{_S}|\(\+?86\){_S}?)?1[3-9]\d{_S}\d{{4}}{_S}\d{{4}}",
    # Chinese landlines and service numbers, with the area code set off: 010-88886666, (0755) 1234 5678, 400-800-8888
    rf"(?:\(0\d{{2,3}}\) ?|0\d{{2,3}}[ \-])\d{{3,4}}{_S}\d{{4}}",
    r"[48]00[ \-]\d{3}[ \-]\d{4}",
    # International in +CC form: +1 (415) 555-2671, +44 20 7946 0958, +81 3-1234-5678, +8613987654321
    r"\+\d{1,3}(?:[ \-.]?\(?\d{1,5}\)?){1,5}",
    # North American without +: (415) 555-2671
    r"\(\d{3}\) ?\d{3}[ \-.]\d{4}",
)))
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_EDGE = re.compile(r"[A-Za-z0-9]")


def _bounded(folded: str, start: int, end: int) -> bool:
    return not (start > 0 and (_EDGE.match(folded[start - 1]) or folded[start - 1] in "+@")
                or end < len(folded) and _EDGE.match(folded[end]))


def _masked_phone(original: str, folded: str) -> str | None:
    """The span with its middle digits as '*': keeps a country code, an area code or the first 3 digits of the
    number, and the last 4 (13800138000 -> 138****8000, +86 139 8765 4321 -> +86 139 **** 4321)."""
    digits = [i for i, ch in enumerate(folded) if ch.isdigit()]
    if not 7 <= len(digits) <= 15:
        return None
    lead = re.match(r"\(?(\+|00)?(\d+)", folded)
    head = lead.group(2)
    if lead.group(1):  # a country code: 86, or the digits before the first separator, or else one digit
        head = "86" if head.startswith("86") else head if len(head) <= 3 else head[:1]
    elif not head.startswith("0") or len(head) > 4:  # a landline keeps its area code, anything else 3 digits
        head = head[:3]
    keep = len(head) + (2 if lead.group(1) == "00" else 0)
    if lead.group(1):
        national = len(digits) - keep
        keep += 3 if national >= 10 else 0
    shown = set(digits[:keep]) | set(digits[-4:])
    return "".join("*" if i not in shown and ch.isdigit() else original[i] for i, ch in enumerate(folded))


def mask_text(text: str | None) -> str | None:
    """Phone numbers and e-mail addresses inside free text masked like mask_phone/mask_email; other text,
    order numbers, prices and dates are left as they are."""
    if not text:
        return text
    folded = text.translate(_FOLD)
    pieces, cursor = [], 0
    spans = [(m.start(), m.end(), "email") for m in _EMAIL_IN_TEXT.finditer(folded)]
    taken = [(s, e) for s, e, _ in spans]
    for match in _PHONES.finditer(folded):
        s, e = match.span()
        if _bounded(folded, s, e) and not any(s < te and ts < e for ts, te in taken):
            spans.append((s, e, "phone"))
    for start, end, kind in sorted(spans):
        if kind == "email":
            local_end = folded.index("@", start)
            masked = text[start] + "***" + text[local_end:end]
        else:
            masked = _masked_phone(text[start:end], folded[start:end])
            if masked is None:
                continue
        pieces += [text[cursor:start], masked]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_identity(external_id: str | None) -> str | None:
    """A platform identity that is contact data (an e-mail or phone used as the id) masked like a contact;
    opaque platform ids (buyer nicks, numeric customer ids) stay as they are."""
    return mask_text(external_id)


# --- secrets kept so they can be used again (a shop platform's webhook key) ----------------------------------

ENCRYPTED_PREFIX = "enc:"


def _fernet():
    from cryptography.fernet import Fernet

    from .settings import get_settings

    key = hashlib.sha256(b"shopcx-stored-secret:" + get_settings().resolved_secret_key().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_text(plain: str) -> str:
    """plain encrypted and authenticated (Fernet) with a key derived from the app's secret key."""
    return ENCRYPTED_PREFIX + _fernet().encrypt(plain.encode()).decode()


def decrypt_text(stored: str | None) -> str | None:
    """What encrypt_text stored; a value from before encryption (no prefix) is returned as it is, and one the
    current secret key cannot open (the key was changed) gives None."""
    if not stored or not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(stored[len(ENCRYPTED_PREFIX):].encode()).decode()
    except InvalidToken:
        return None
