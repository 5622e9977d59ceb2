"""A self-contained HTML dashboard of a service's telemetry: inline SVG charts, no scripts
or files from anywhere else, so it opens offline and can be mailed as one file."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from bankmarketing_ops.types.insights import TelemetrySummary, TimelineBucket

__all__ = ["render_dashboard"]

_W, _H, _PAD = 640, 180, 36


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.2f}{unit}"


def _time(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%H:%M")


def _chart(
    title: str,
    chart_id: str,
    buckets: Sequence[TimelineBucket],
    series: Sequence[tuple[str, str, list[float]]],
) -> str:
    """A line chart of one or more series over the buckets (inline SVG)."""
    top = max([max(values, default=0.0) for _, _, values in series] + [1e-9])
    n = max(len(buckets) - 1, 1)

    def x(i: int) -> float:
        return _PAD + (_W - 2 * _PAD) * i / n

    def y(v: float) -> float:
        return _H - _PAD + (2 * _PAD - _H) * v / top

    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#999"/>',
        f'<text x="4" y="{_PAD - 8}" font-size="11">{top:,.1f}</text>',
    ]
    for label, color, values in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline class="series" data-series="{html.escape(label)}" '
            f'fill="none" stroke="{color}" stroke-width="2" points="{points}"/>'
        )
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"/>'
            for i, v in enumerate(values)
        ]
    if buckets:
        parts.append(
            f'<text x="{_PAD}" y="{_H - 8}" font-size="11">{_time(buckets[0].start)}'
            f'</text><text x="{_W - _PAD - 30}" y="{_H - 8}" font-size="11">'
            f"{_time(buckets[-1].start)}</text>"
        )
    legend = " ".join(
        f'<span style="color:{c}">■ {html.escape(label)}</span>' for label, c, _ in series
    )
    return f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</svg><p>{legend}</p></section>"


def _bars(summary: TelemetrySummary) -> str:
    top = max(summary.by_result_code.values(), default=1)
    rows = []
    for code, count in summary.by_result_code.items():
        width = 400 * count / top
        color = "#2e7d32" if int(code) < 400 else "#c62828"
        rows.append(
            f'<tr><td>{code}</td><td><svg width="410" height="14"><rect width="{width:.1f}"'
            f' height="14" fill="{color}"/></svg></td><td class="num" '
            f'data-code="{code}">{count:,}</td></tr>'
        )
    return '<section><h2>Result codes</h2><table id="codes">' + "".join(rows) + "</table></section>"


def render_dashboard(
    summary: TelemetrySummary, timeline: Sequence[TimelineBucket], *, generated_at: float
) -> str:
    """The dashboard page (one HTML string)."""
    tiles = [
        ("requests", f"{summary.requests:,}"),
        ("failures", f"{summary.failures:,}"),
        ("failure rate", f"{summary.failure_rate:.2%}"),
        ("latency p50", _fmt(summary.latency_ms_p50, " ms")),
        ("latency p95", _fmt(summary.latency_ms_p95, " ms")),
        ("latency p99", _fmt(summary.latency_ms_p99, " ms")),
    ]
    tile_html = "".join(
        f'<div class="tile"><div class="label">{label}</div>'
        f'<div class="value" data-metric="{label}">{value}</div></div>'
        for label, value in tiles
    )
    charts = [
        _chart(
            "Requests per bucket",
            "requests-chart",
            timeline,
            [("requests", "#3949ab", [float(b.requests) for b in timeline])],
        ),
        _chart(
            "Failures per bucket",
            "failures-chart",
            timeline,
            [("failures", "#c62828", [float(b.failures) for b in timeline])],
        ),
        _chart(
            "Latency (ms)",
            "latency-chart",
            timeline,
            [
                ("p50", "#00897b", [b.latency_ms_p50 or 0.0 for b in timeline]),
                ("p95", "#f9a825", [b.latency_ms_p95 or 0.0 for b in timeline]),
            ],
        ),
    ]
    stamp = datetime.fromtimestamp(generated_at, UTC).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Insights: {html.escape(summary.service)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
.tiles {{ display: flex; gap: 12px; flex-wrap: wrap; }}
.tile {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 120px; }}
.label {{ font-size: 12px; color: #666; }} .value {{ font-size: 22px; font-weight: 600; }}
.chart {{ width: 100%; max-width: 640px; border: 1px solid #eee; }}
td.num {{ text-align: right; padding-left: 8px; }}
</style></head>
<body>
<h1>Insights: <span id="service">{html.escape(summary.service)}</span></h1>
<p>Generated {stamp} from the workspace's request telemetry.</p>
<div class="tiles">{tile_html}</div>
{"".join(charts)}
{_bars(summary)}
</body></html>
"""
