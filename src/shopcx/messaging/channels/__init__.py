"""The ways a message leaves ShopCX, behind one interface (`base.Provider`): SMTP e-mail, signed HTTP providers for
SMS, WeChat or any webhook, the sandbox (records, never sends) and the agents' list (staff send it by platform
chat or phone). `provider_for` picks one for a channel from the settings."""

from __future__ import annotations

from ..config import MessagingSettings
from .base import Outcome, Outgoing, Provider
from .http import HttpProvider
from .lists import AgentListProvider, SandboxProvider
from .smtp import SmtpProvider

__all__ = ["Outcome", "Outgoing", "Provider", "provider_for"]


def provider_for(channel: str, settings: MessagingSettings, *, sandbox: bool) -> Provider:
    """The provider that carries a channel: the sandbox when the shop is sandboxed or the channel not configured."""
    if channel == "agent":
        return AgentListProvider()
    if not sandbox:
        if channel == "email" and settings.smtp_host:
            return SmtpProvider(settings)
        if channel == "sms" and settings.sms_url:
            return HttpProvider("sms", settings.sms_url, settings.sms_secret, settings.provider_timeout)
        if channel == "wechat" and settings.wechat_url:
            return HttpProvider("wechat", settings.wechat_url, settings.wechat_secret, settings.provider_timeout)
    return SandboxProvider()
