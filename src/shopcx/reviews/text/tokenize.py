"""Text normalisation and words: jieba for Chinese (with shop terms in a user dictionary), a regex for the rest.

jieba is imported on first use and gets its own Tokenizer, so the shop terms added here do not change how
other code in the process segments text, and its start-up chatter on stderr is silenced.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

from .lexicon import EN_NEGATORS, ZH_DEGREE, ZH_NEGATORS, ZH_WORDS

_SPACE = re.compile(r"\s+")
# A run of CJK ideographs, or one Latin word (with an inner apostrophe or hyphen), a number, or one punctuation mark.
_PIECES = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+(?:['’-][a-z]+)*|\d+(?:\.\d+)?|[^\sa-z\d]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Shop words that jieba's general dictionary cuts apart or does not know.
SHOP_TERMS = (
    "好评 中评 差评 追评 晒单 五星好评 性价比 性价比高 性价比低 客服 售后 发货 到货 物流 快递 快递员 送货 送货慢 "
    "色差 掉色 起球 开线 正品 假货 退货 退款 换货 七天无理由 包邮 运费 破损 压坏 漏液 漏发 错发 少发 骚扰电话 "
    "个人信息 隐私泄露 货不对板 与描述不符 描述不符 物超所值 回购 京东 淘宝 天猫 拼多多 顺丰 手机壳 充电器"
).split()

_lock = threading.Lock()


def normalize(text: str | None) -> str:
    """NFKC (full-width to half-width), lower case, no BOM or NUL, one space for any run of whitespace."""
    if not text:
        return ""
    text = text.replace("\ufeff", "").replace("\x00", " ")
    if not unicodedata.is_normalized("NFKC", text):  # the check is ~50× cheaper than normalising
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text.lower()).strip()


def has_cjk(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return _CJK.search(text) is not None


@lru_cache(maxsize=1)
def _jieba():
    with _lock:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        known = tokenizer.FREQ
        for word in (*SHOP_TERMS, *ZH_WORDS, *ZH_NEGATORS, *ZH_DEGREE):
            # Only words jieba does not already know: raising the weight of a known word would cut
            # longer idioms wrongly (不好 inside 不好意思).
            if len(word) > 1 and not known.get(word):
                tokenizer.add_word(word)
        return tokenizer


def words(text: str) -> list[str]:
    """The words of a normalised text: jieba words for Chinese runs, Latin words, numbers and punctuation."""
    out: list[str] = []
    for piece in _PIECES.findall(text):
        if _CJK.match(piece):
            out.extend(_jieba().lcut(piece, HMM=False) if len(piece) > 1 else (piece,))
        else:
            out.append(piece.replace("’", "'"))
    return out


def is_negator(word: str) -> bool:
    """A word that turns the polarity of the sentiment word after it (不, 没有, not, never…)."""
    return word in ZH_NEGATORS or word in EN_NEGATORS or word.endswith("n't")
