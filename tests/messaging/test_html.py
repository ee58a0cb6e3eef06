"""The HTML alternative of a plain-text e-mail, worked by hand: escaped text, paragraphs and line breaks, addresses
as links (ending before Chinese punctuation), tracked link targets and the footer before </body>."""

from __future__ import annotations

from shopcx.messaging import links
from shopcx.messaging.html import html_alternative, track_html, with_footer

P = '<p style="margin:0 0 12px;">'
A = ' style="color:#0b6e4f;"'


def test_the_html_says_what_the_text_says_escaped():
    text = '王芳 <VIP> & "朋友"\n第二行\n\n请看 https://shop.example.com/a?x=1&y=2。谢谢'
    page = html_alternative(text, "zh")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert (f'{P}王芳 &lt;VIP&gt; &amp; &quot;朋友&quot;<br>\n第二行</p>\n'
            f'{P}请看 <a href="https://shop.example.com/a?x=1&amp;y=2"{A}>https://shop.example.com/a?x=1&amp;y=2</a>'
            f'。谢谢</p>') in page
    assert '<html lang="en">' in html_alternative("Hello", "en")


def test_link_targets_are_tracked_and_the_footer_goes_before_the_body_ends():
    page = html_alternative("请看 https://shop.example.com/a?x=1&y=2", "zh")
    tracked = track_html(page, 42)
    target = tracked.split('href="', 1)[1].split('"', 1)[0]
    assert "/msg/c/" in target
    assert links.verify(target.rsplit("/", 1)[1], "c") == (42, "https://shop.example.com/a?x=1&y=2")
    assert ">https://shop.example.com/a?x=1&amp;y=2</a>" in tracked  # the reader still sees the address
    footed = with_footer(tracked, [("退订", "https://cx.example.com/msg/u/t"), ("选择", "https://cx.example.com/p?a&b")])
    assert footed.endswith('<a href="https://cx.example.com/msg/u/t" style="color:#666;">退订</a> · '
                           '<a href="https://cx.example.com/p?a&amp;b" style="color:#666;">选择</a></p>\n'
                           '</body></html>\n')
    assert with_footer("<p>x</p>", [("退订", "u")]).startswith("<p>x</p><p ")
