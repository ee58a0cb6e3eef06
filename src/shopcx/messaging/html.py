"""The HTML alternative of a plain-text e-mail (multipart/alternative: mail clients show the HTML, the text is there
for those that do not), its footer with the unsubscribe and preference links, and tracked links in HTML.

The HTML says exactly what the text says: paragraphs at blank lines, line breaks kept, web addresses made links,
everything else escaped (a buyer's name with a '<' in it stays text). Inline styles only: mail clients drop <style>.
"""

from __future__ import annotations

import html
import re

from .links import ADDRESS, tracked

_HREF = re.compile(r'href="(https?://[^"]+)"')
_BODY_END = re.compile(r"</body>", re.IGNORECASE)
_PAGE = ('<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
         '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
         '<body style="margin:0;padding:16px;font-family:-apple-system,\'PingFang SC\',\'Microsoft YaHei\','
         'Arial,sans-serif;font-size:15px;line-height:1.6;color:#222;">\n{body}\n</body></html>\n')


def _linked(text: str) -> str:
    """Escape a paragraph, with each web address as a link to itself (found before escaping, so an address never
    swallows an escaped quote)."""
    out, at = [], 0
    for match in ADDRESS.finditer(text):
        address = html.escape(match.group(0))
        out += [html.escape(text[at:match.start()]), f'<a href="{address}" style="color:#0b6e4f;">{address}</a>']
        at = match.end()
    out.append(html.escape(text[at:]))
    return "".join(out).replace("\n", "<br>\n")


def html_alternative(text: str, locale: str = "zh") -> str:
    """A simple HTML page saying what the plain text says."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    body = "\n".join(f'<p style="margin:0 0 12px;">{_linked(p.strip())}</p>' for p in paragraphs)
    return _PAGE.format(lang="en" if locale == "en" else "zh-CN", body=body)


def track_html(page: str, message_id: int) -> str:
    """Each link's target (href) replaced by its tracked redirect; the text a reader sees stays the address."""
    return _HREF.sub(lambda m: f'href="{html.escape(tracked(message_id, html.unescape(m.group(1))))}"', page)


def with_footer(page: str, links: list[tuple[str, str]]) -> str:
    """The page with a small footer of (words, address) links, before </body> when it has one."""
    items = " · ".join(f'<a href="{html.escape(url)}" style="color:#666;">{html.escape(words)}</a>'
                       for words, url in links)
    footer = (f'<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid #ddd;font-size:12px;color:#666;">'
              f'{items}</p>\n')
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + footer
    return page[:ends[-1].start()] + footer + page[ends[-1].start():]
