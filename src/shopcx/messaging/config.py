"""The messaging settings read from the environment (prefix SHOPCX_, like core/settings.py): the SMTP server and the
HTTP providers (SMS, WeChat, a generic webhook). Per-shop rules (quiet hours, caps, sandbox) live in the database."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingSettings(BaseSettings):
    """Where messages go out; with no SMTP host, e-mail goes to the sandbox (recorded, never sent)."""

    model_config = SettingsConfigDict(env_prefix="SHOPCX_", env_file=".env", extra="ignore")

    smtp_host: str = Field(default="", description="SMTP server; empty: e-mail goes to the sandbox.")
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS when offered.")
    smtp_from: str = Field(default="ShopCX <noreply@localhost>", description="The From address of e-mails.")
    smtp_timeout: float = 30.0
    sms_url: str = Field(default="", description="The SMS provider's endpoint (signed POST); empty: sandbox.")
    sms_secret: str = ""
    wechat_url: str = Field(default="", description="The WeChat provider's endpoint (signed POST); empty: sandbox.")
    wechat_secret: str = ""
    provider_timeout: float = Field(default=10.0, description="Seconds an HTTP provider may take to answer.")
    public_url: str = Field(default="http://127.0.0.1:8000", description="The address buyers reach ShopCX at "
                            "(unsubscribe and tracked links).")
    send_batch: int = Field(default=200, ge=1, le=5000, description="Messages claimed per batch by the sender.")


@lru_cache
def get_messaging_settings() -> MessagingSettings:
    """The process-wide messaging settings."""
    return MessagingSettings()
