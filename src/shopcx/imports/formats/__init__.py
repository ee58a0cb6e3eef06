"""The order file formats, one module each, all turning a file into complete orders and rejected lines."""

from __future__ import annotations

from types import ModuleType

from ...core.errors import InvalidInput
from . import cdnow, generic, jd, online_retail, pinduoduo, shopify, taobao, woocommerce, youzan

FORMATS: dict[str, ModuleType] = {module.NAME: module for module in (generic, taobao, shopify, online_retail, cdnow)}
FORMATS[woocommerce.NAME] = woocommerce
FORMATS |= {module.NAME: module for module in (jd, pinduoduo, youzan)}  # China's other platforms
ORDER_FORMATS = tuple(FORMATS)


def get_format(name: str) -> ModuleType:
    """The format module called name, or an error listing the known ones."""
    module = FORMATS.get((name or "").strip().lower())
    if module is None:
        raise InvalidInput("unknown_format", f"format: '{name}' is not one of {', '.join(ORDER_FORMATS)}",
                           field="format")
    return module
