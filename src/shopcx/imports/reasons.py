"""A stored reject reason in the reader's language.

Formats write reasons in one fixed English shape ("line 6: 购买数量 'two' is not a whole number", with the file's
own column names); the job page and the reject report show them in the page's language by these patterns. A
reason no pattern knows keeps its English body behind a translated line prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_PREFIX = re.compile(r"^(?:(?P<file>\S+) )?line (?P<n>\d+): (?P<body>.*)$", re.S)

Rule = tuple[re.Pattern, Callable[[re.Match], str]]


def _rules() -> list[Rule]:
    def q(m: re.Match, name: str = "v") -> str:
        return f"“{m[name]}”"

    table: list[tuple[str, Callable[[re.Match], str]]] = [
        (r"order (?P<key>.+?) not imported: its line (?P<n>\d+) is bad \((?P<why>.*)\)",
         lambda m: f"订单 {m['key']} 未导入：它的第 {m['n']} 行有误（{to_zh(m['why'])}）"),
        (r"order (?P<key>.+?) not imported: the 宝贝报表 \((?P<file>.+)\) has no item of it",
         lambda m: f"订单 {m['key']} 未导入：宝贝报表（{m['file']}）里没有它的商品"),
        (r"order (?P<key>.+?) not imported: (?P<why>.+)", lambda m: f"订单 {m['key']} 未导入：{to_zh(m['why'])}"),
        (r"订单编号 (?P<key>.+) is not in the 订单报表 \((?P<file>.+)\)",
         lambda m: f"订单编号 {m['key']} 不在订单报表（{m['file']}）里"),
        (r"订单编号 (?P<key>.+) already appeared on line (?P<n>\d+)",
         lambda m: f"订单编号 {m['key']} 已在第 {m['n']} 行出现过"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not a whole number", lambda m: f"{m['f']}{q(m)}不是整数"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not an amount of money", lambda m: f"{m['f']}{q(m)}不是金额"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not a date and time \(use YYYY-MM-DD HH:MM:SS\)",
         lambda m: f"{m['f']}{q(m)}不是日期时间（请用 YYYY-MM-DD HH:MM:SS）"),
        (r"(?P<f>.+?) '(?P<v>.*)' is out of range \(years 1970–2100\)",
         lambda m: f"{m['f']}{q(m)}超出范围（1970–2100 年）"),
        (r"(?P<f>.+?) '(?P<v>.*)' is out of range", lambda m: f"{m['f']}{q(m)}超出范围"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not a phone number", lambda m: f"{m['f']}{q(m)}不是电话号码"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not an email address", lambda m: f"{m['f']}{q(m)}不是电子邮件地址"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not yes or no", lambda m: f"{m['f']}{q(m)}不是“是”或“否”"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not a three-letter currency code",
         lambda m: f"{m['f']}{q(m)}不是三位字母的币种代码"),
        (r"(?P<f>\S+) '(?P<v>.*)' is not an? \S+ order status \((?P<list>.*)\)",
         lambda m: f"{m['f']}{q(m)}不是可识别的订单状态（{m['list']}）"),
        (r"(?P<f>.+?) '(?P<v>.*)' differs from the order's (?:other|first) rows? \('(?P<w>.*)'\)",
         lambda m: f"{m['f']}{q(m)}与同一订单其他行（{q(m, 'w')}）不一致"),
        (r"(?P<f>.+?): no order '(?P<o>.+)' in shop '(?P<s>.+)'; import the order first",
         lambda m: f"{m['f']}：店铺 {m['s']} 里没有订单 {m['o']}，请先导入订单"),
        (r"(?P<f>.+?): Input should be less than or equal to (?P<n>\d+)", lambda m: f"{m['f']}不能大于 {m['n']}"),
        (r"(?P<f>.+?): Input should be greater than or equal to (?P<n>\d+)", lambda m: f"{m['f']}不能小于 {m['n']}"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not 好评/中评/差评 \(good/neutral/bad\)",
         lambda m: f"{m['f']}{q(m)}不是好评、中评或差评"),
        (r"(?P<f>.+?) '(?P<v>.*)' is not a number", lambda m: f"{m['f']}{q(m)}不是数字"),
        (r"(?P<f>.+?):? is missing", lambda m: f"缺少{m['f']}"),
        (r"(?P<f>.+?) is longer than (?P<n>\d+) characters", lambda m: f"{m['f']}超过 {m['n']} 个字符"),
        (r"no row of this order carries the order's own fields", lambda m: "这个订单没有一行带有订单本身的字段"),
        (r"its refunded amount (?P<a>.+) is negative", lambda m: f"退款金额 {m['a']} 是负数"),
        (r"it is (?P<s>\w+) \(never paid\) but reports a refund of (?P<a>.+)",
         lambda m: f"订单状态为 {m['s']}（未付款），却有 {m['a']} 的退款"),
        (r"its refund of (?P<a>.+) exceeds what was paid \((?P<p>.+)\)",
         lambda m: f"退款 {m['a']} 超过实付金额（{m['p']}）"),
    ]
    return [(re.compile(f"^{pattern}$", re.S), render) for pattern, render in table]


_RULES: list[Rule] = []


def to_zh(body: str) -> str:
    """A reason's body (without its line prefix) in Chinese, or unchanged when no pattern knows it."""
    if not _RULES:
        _RULES.extend(_rules())
    for pattern, render in _RULES:
        match = pattern.match(body)
        if match:
            return render(match)
    return body


def localize(reason: str, locale: str) -> str:
    """The stored reason as the reader reads it: English as stored, Chinese by the patterns above."""
    if not reason or not locale.startswith("zh"):
        return reason
    match = _PREFIX.match(reason)
    if match is None:
        return to_zh(reason)
    where = f"{match['file']} 第 {match['n']} 行" if match["file"] else f"第 {match['n']} 行"
    return f"{where}：{to_zh(match['body'])}"
