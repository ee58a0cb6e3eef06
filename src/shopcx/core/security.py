"""Passwords (argon2), random tokens, HMAC signatures and PII masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
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
