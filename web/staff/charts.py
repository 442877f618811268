"""Bar charts as SVG, written by hand and rendered on the server: no JavaScript, no web fonts.

Labels are escaped text in the system's CJK-capable sans-serif fonts, so Chinese renders as
Chinese wherever the page does; the chart carries a <title> and a table beside it for screen
readers and printing.
"""

from __future__ import annotations

from markupsafe import Markup, escape

FONTS = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
ROW = 26
LABEL_WIDTH = 220
BAR_WIDTH = 300
VALUE_WIDTH = 70


def bar_chart(title: str, rows: list[tuple[str, float]], unit: str = "") -> Markup:
    """A horizontal bar chart of (label, value) rows as an inline SVG element."""
    top = max((v for _, v in rows), default=0) or 1
    height = ROW * max(len(rows), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family=\'{FONTS}\' font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        length = round(BAR_WIDTH * value / top, 1)
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(label[:24])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="{ROW - 8}" fill="#a61b1b"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 17}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped # nosec B704
