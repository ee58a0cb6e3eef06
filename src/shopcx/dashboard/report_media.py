"""The weekly report as pictures and a PDF: one small chart per headline figure over the last weeks' reports (PNG,
no words on the picture, so one image serves every language: the caption is the reader's), and the whole report as
a PDF in the reader's language.

The PDF uses ReportLab's built-in Adobe-GB1 font (STSong-Light): a PyPI-only route to correct Chinese, with no font
file to install; PDF readers draw it with their own Song/Ming face (the font is named, not embedded).
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from ..core import i18n
from . import weekly
from .models import WeeklyReport

CHARTED = ("satisfaction_index", "nps", "csat", "good_rate", "sla_compliance", "backlog", "complaint_recovery",
           "repurchase_rate")
HISTORY_WEEKS = 8
CJK_FONT = "STSong-Light"


def chart_series(history: list[WeeklyReport], report: WeeklyReport) -> dict[str, list[tuple[date, float]]]:
    """Per charted figure of the report, its (week, value) over the report and the ones before it (oldest first)."""
    weeks = sorted([r for r in history if r.week_on <= report.week_on], key=lambda r: r.week_on)[-HISTORY_WEEKS:]
    series: dict[str, list[tuple[date, float]]] = {}
    present = {r["key"] for r in report.content["figures"] if isinstance(r["value"], int | float)}
    for key in (k for k in CHARTED if k in present):
        series[key] = [(r.week_on, row["value"]) for r in weeks for row in r.content["figures"]
                       if row["key"] == key and isinstance(row["value"], int | float)]
    return series


def charts(history: list[WeeklyReport], report: WeeklyReport) -> dict[str, bytes]:
    """One PNG per charted figure: the weekly values, the target as a dashed line; shares drawn in per cent."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib import pyplot as plt
    from matplotlib.ticker import PercentFormatter

    rows = {r["key"]: r for r in report.content["figures"]}
    pictures = {}
    for key, points in chart_series(history, report).items():
        scale = 100 if rows[key]["unit"] == "share" else 1
        fig, ax = plt.subplots(figsize=(4.0, 1.8), dpi=100)
        ax.plot([p[0].strftime("%m-%d") for p in points], [v * scale for _, v in points], marker="o",
                color="#2f6f4f")
        if rows[key]["target"] is not None:
            ax.axhline(rows[key]["target"] * scale, color="#b5651d", linestyle="--", linewidth=1)
        if scale == 100:
            ax.yaxis.set_major_formatter(PercentFormatter())
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
        plt.close(fig)
        pictures[key] = out.getvalue()
    return pictures


def pdf(report: WeeklyReport, shop_name: str, locale: str, pictures: dict[str, bytes]) -> bytes:
    """The report as a PDF in locale: movements, the figures table, the charts, complaint causes, worst items."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=20)

    def tx(key: str, **values) -> str:
        return escape(i18n.t(key, locale, **values))

    def driver(code: str) -> str:
        key = f"reviews.driver.{code}"
        return tx(key) if i18n.has(key, locale) else escape(str(code))

    week = report.week_on.isoformat()
    story = [Paragraph(tx("weekly.of_week", week=week), title), Paragraph(escape(shop_name), body),
             Paragraph(tx("weekly.movements"), head)]
    sentences = weekly.sentences(report, locale)
    story += [Paragraph(escape(s), body) for s in sentences] or [Paragraph(tx("weekly.no_movements"), body)]
    story.append(Paragraph(tx("weekly.figures"), head))
    cols = ("value", "last_week", "last_year", "target")
    table = [[tx("weekly.col_figure"), *(tx(f"weekly.col_{c}") for c in cols), tx("weekly.col_as_of")]]
    for r in report.content["figures"]:
        table.append([Paragraph(tx(f"dashboard.figure.{r['key']}"), body),
                      *(weekly.shown(r, c) for c in cols), r["as_of"]])
    grid = Table(table, colWidths=[55 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 25 * mm], repeatRows=1)
    grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK_FONT, 9), ("ALIGN", (1, 0), (4, -1), "RIGHT"),
                              ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.grey),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(grid)
    if pictures:
        story.append(Paragraph(tx("weekly.charts"), head))
        for key, png in pictures.items():
            story += [Paragraph(tx(f"dashboard.figure.{key}"), body), Image(io.BytesIO(png), 100 * mm, 45 * mm)]
    story.append(Paragraph(tx("weekly.causes"), head))
    story += [Paragraph(f"{driver(c['driver'])}: {c['total']}", body)
              for c in report.content["causes"]] or [Paragraph("—", body)]
    story.append(Paragraph(tx("weekly.worst"), head))
    for by, items in report.content["worst"].items():
        story.append(Paragraph(tx(f"weekly.worst_{by}"), body))
        story += [Paragraph(f"{escape(i['label'] or '—')}: {100 * i['bad_rate']:.0f}% · n={i['total']}", body)
                  for i in items] or [Paragraph("—", body)]
    story.append(Spacer(1, 6 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=tx("weekly.of_week", week=week), author="ShopCX",
                      leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return out.getvalue()
