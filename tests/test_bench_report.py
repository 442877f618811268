"""``clueguard bench`` plumbing: rows merge into one JSON file, which becomes a table and a chart."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner

from benchmarks.report import Report, Row, percentile
from models.store.config import Config
from web.cli.main import main


def test_percentile_by_nearest_rank() -> None:
    assert percentile([], 0.95) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_rows_merge_into_one_file_then_table_and_chart(tmp_path: Path) -> None:
    path = tmp_path / "perf.json"
    first = Report(settings={"argon2": "t=3"})
    first.add(Row.of("seal", [0.5, 0.6, 0.7], ratio=0.6, target="< 1 ms", meets=True))
    first.write(path)
    second = Report()
    second.add(Row.of("served intake <8 clients>", [500.0, 700.0], rate_per_s=9.1, ratio=0.93, target="≥ 0.9",
                      meets=True))
    second.add(Row.of("seal", [0.9], ratio=0.9, target="< 1 ms", meets=True))  # a re-run replaces
    second.write(path)
    data = json.loads(path.read_text())
    assert [r["name"] for r in data["rows"]] == ["seal", "served intake <8 clients>"]
    assert data["rows"][0]["p50_ms"] == 0.9 and data["settings"] == {"argon2": "t=3"}
    assert data["machine"]["cores"] >= 1

    runner = CliRunner()
    table = runner.invoke(main, ["bench", "table", str(path)], obj=Config(data_dir=tmp_path))
    assert table.exit_code == 0 and "| served intake <8 clients> | 2 | 600 | 700 | 9.10/s | 0.93 | ≥ 0.9 | yes |" \
        in table.output
    svg = tmp_path / "perf.svg"
    chart = runner.invoke(main, ["bench", "chart", str(path), str(svg)], obj=Config(data_dir=tmp_path))
    assert chart.exit_code == 0
    root = ElementTree.fromstring(svg.read_text())  # noqa: S314 - our own file
    assert "served intake <8 clients>" in "".join(root.itertext())  # names are escaped, not markup
