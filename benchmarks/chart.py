"""An SVG bar chart of a bench JSON file: p50 and p95 per row, on a log scale (no dependencies)."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

ROW_H = 22
LABEL_W = 430
BAR_W = 420
TICKS = (0.1, 1, 10, 100, 1000, 10000)


def _x(ms: float) -> float:
    low, high = math.log10(TICKS[0]), math.log10(TICKS[-1])
    return LABEL_W + BAR_W * (math.log10(max(ms, TICKS[0])) - low) / (high - low)


def write_chart(json_path: Path, svg_path: Path) -> None:
    """Write the chart for the rows of ``json_path``; green rows meet their target, red ones miss it."""
    data = json.loads(json_path.read_text())
    rows = [r for r in data["rows"] if r["p95_ms"] > 0]
    height = 60 + ROW_H * len(rows)
    machine = data.get("machine", {})
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + BAR_W + 110}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="8" y="16" font-size="13">ClueGuard bench: p50 (dark) and p95 (light), ms, log scale — '
           f'{escape(str(machine.get("cpu", "")))}, {machine.get("cores", "?")} cores, '
           f'{escape(str(data.get("measured_at", "")))}</text>']
    for tick in TICKS:
        x = _x(tick)
        out.append(f'<line x1="{x:.1f}" y1="28" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{tick:g}</text>')
    for i, row in enumerate(rows):
        y = 32 + i * ROW_H
        colour = {True: "#2e7d32", False: "#c62828"}.get(row.get("meets"), "#1565c0")
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end">{escape(row["name"])}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y + 2}" width="{_x(row["p95_ms"]) - LABEL_W:.1f}" height="14" '
                   f'fill="{colour}" opacity="0.35"/>')
        out.append(f'<rect x="{LABEL_W}" y="{y + 5}" width="{_x(row["p50_ms"]) - LABEL_W:.1f}" height="8" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{_x(row["p95_ms"]) + 4:.1f}" y="{y + 13}">{row["p95_ms"]:g}</text>')
    out.append("</svg>")
    svg_path.write_text("\n".join(out) + "\n")


def markdown_table(json_path: Path) -> str:
    """The rows of a bench JSON file as a Markdown table, with each target and whether it is met."""
    data = json.loads(json_path.read_text())
    out = ["| figure | n | p50 ms | p95 ms | rate | ratio | target | met | load |",
           "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |"]
    for r in data["rows"]:
        rate = f"{r['rate_per_s']:.2f}/s" if r.get("rate_per_s") is not None else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        met = {True: "yes", False: "**no**"}.get(r.get("meets"), "")
        p50, p95 = (f"{r['p50_ms']:g}", f"{r['p95_ms']:g}") if r["p95_ms"] else ("", "")
        out.append(f"| {r['name']} | {r['n']} | {p50} | {p95} | {rate} | {ratio} | "
                   f"{r.get('target', '')} | {met} | {r.get('load') or ''} |")
    return "\n".join(out) + "\n"
