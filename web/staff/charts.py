"""Bar charts as SVG, written by hand and rendered on the server: no JavaScript, no web fonts.

Labels are escaped text in the system's CJK-capable sans-serif fonts, so Chinese renders as
Chinese wherever the page does; the chart carries a <title> and a table beside it for screen
readers and printing.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

FONTS = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
ROW = 26
FONT_PX = 13
MIN_LABEL_WIDTH = 120
MAX_LABEL_WIDTH = 420
BAR_WIDTH = 300
VALUE_WIDTH = 70


def text_width(text: str) -> float:
    """About how wide ``text`` draws at FONT_PX: a CJK or full-width character is one em, others ~0.6."""
    return sum(FONT_PX if unicodedata.east_asian_width(c) in "WF" else FONT_PX * 0.6 for c in text)


def fit(text: str, width: float) -> str:
    """``text`` cut to ``width`` with an ellipsis (the full label stays in the title and the table)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def bar_chart(title: str, rows: list[tuple[str, float]], unit: str = "") -> Markup:
    """A horizontal bar chart of (label, value) rows as an inline SVG element; labels always fit."""
    top = max((v for _, v in rows), default=0) or 1
    height = ROW * max(len(rows), 1) + 8
    widest = max((text_width(label) for label, _ in rows), default=0)
    label_width = round(min(MAX_LABEL_WIDTH, max(MIN_LABEL_WIDTH, widest + 16)))
    width = label_width + BAR_WIDTH + VALUE_WIDTH
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
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end"><title>{escape(label)}</title>'
            f'{escape(fit(label, label_width - 12))}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{ROW - 8}" fill="#a61b1b"/>'
            f'<text x="{label_width + length + 6}" y="{y + 17}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped # nosec B704


NODE_R = 7
GRAPH_SIZE = 560


def network_chart(title: str, names: list[str], pairs: list[tuple[int, int, int]]) -> Markup:
    """Who is named with whom: the names on a circle, a line for each pair named in the same clue
    (thicker for more clues), most named first from the top; an inline SVG element."""
    import math

    size, n = GRAPH_SIZE, max(len(names), 1)
    centre, radius = size / 2, size / 2 - 110
    at = [(round(centre + radius * math.sin(2 * math.pi * i / n), 1),
           round(centre - radius * math.cos(2 * math.pi * i / n), 1)) for i in range(len(names))]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart network" role="img" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}" font-family=\'{FONTS}\' font-size="{FONT_PX}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, j, weight in pairs:
        (x1, y1), (x2, y2) = at[i], at[j]
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#888" '
                     f'stroke-width="{min(1 + weight, 6)}"><title>{escape(names[i])} · {escape(names[j])}: '
                     f'{weight}</title></line>')
    for (x, y), name in zip(at, names, strict=True):
        anchor = "start" if x > centre + 1 else "end" if x < centre - 1 else "middle"
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        dy = 4 if anchor != "middle" else (-12 if y < centre else 22)
        parts.append(f'<circle cx="{x}" cy="{y}" r="{NODE_R}" fill="#a61b1b"/>'
                     f'<text x="{x + dx}" y="{y + dy}" text-anchor="{anchor}">{escape(fit(name, 100))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped # nosec B704
