"""A drift report as one self-contained HTML page: a plot per feature (PNG inlined as
base64), the alerts, windows and performance. No script or file from anywhere else, so it
opens offline and can be mailed as one file."""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime

import numpy as np

from bankmarketing_ops.types.drift import DriftReport, FeatureDrift

__all__ = ["render_html"]

_REFERENCE, _CURRENT, _DRIFTED = "#9e9e9e", "#3949ab", "#c62828"
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;
text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}
.drift{color:#c62828;font-weight:bold}.ok{color:#2e7d32}.grid{display:flex;flex-wrap:wrap;gap:8px}
figure{margin:0;border:1px solid #eee;padding:4px}figcaption{font-size:12px}
"""


def _time(stamp: float | None) -> str:
    if stamp is None:
        return "—"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    if value != 0 and abs(value) < 10**-digits:
        return f"{value:.1e}"
    return f"{value:.{digits}f}"


def _plot(result: FeatureDrift) -> str:
    """Reference and current distributions side by side, as a base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2, 2.6), dpi=90, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = np.arange(len(result.bins))
    axes.bar(
        positions - 0.2, result.reference_distribution, 0.4, color=_REFERENCE, label="reference"
    )
    axes.bar(
        positions + 0.2,
        result.current_distribution,
        0.4,
        color=_DRIFTED if result.drifted else _CURRENT,
        label="current",
    )
    axes.set_xticks(positions, result.bins, rotation=60, ha="right", fontsize=6)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_title(f"{result.name}: {result.statistic} {result.value:.3f}", fontsize=9)
    axes.legend(fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _feature_rows(features: list[FeatureDrift]) -> str:
    rows = []
    for f in features:
        verdict = '<span class="drift">drift</span>' if f.drifted else '<span class="ok">ok</span>'
        rows.append(
            "<tr>"
            f"<td>{html.escape(f.name)}</td><td>{f.kind}</td><td>{verdict}</td>"
            f"<td>{_number(f.value)}</td><td>{f.threshold:g}</td><td>{_number(f.psi)}</td>"
            f"<td>{_number(f.ks_statistic)}</td><td>{_number(f.ks_pvalue)}</td>"
            f"<td>{_number(f.chi2_statistic, 1)}</td><td>{_number(f.chi2_pvalue)}</td>"
            f"<td>{html.escape(', '.join(f.unseen_categories)) or '—'}</td>"
            "</tr>"
        )
    return "".join(rows)


def render_html(report: DriftReport) -> str:
    """The whole report as one HTML document (works offline)."""
    verdict = (
        f'<p class="drift">Data-set drift: {len(report.drifted_features)} of '
        f"{len(report.features)} features drifted ({report.drift_share:.0%}).</p>"
        if report.dataset_drift
        else f'<p class="ok">No data-set drift (status: {report.status}; '
        f"{len(report.drifted_features)} of {len(report.features)} features drifted).</p>"
    )
    period = (
        f"; {_time(report.since)} – {_time(report.until)}"
        if report.since is not None or report.until is not None
        else ""
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Drift report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Drift report</h1>",
        f"<p>Reference: {html.escape(report.reference)}<br>Current: "
        f"{html.escape(report.current)} ({report.current_rows:,} rows{period})<br>Generated "
        f"{_time(report.generated_at)}. Threshold {report.options.threshold:g}, data-set "
        f"drift at {report.options.drift_share:.0%} of features, at least "
        f"{report.options.min_rows:,} rows per window.</p>",
        verdict,
    ]
    if report.alerts:
        parts.append("<h2>Alerts</h2><ul id='alerts'>")
        parts += [
            f"<li data-severity='{a.severity}'><b>{a.severity}</b>: {html.escape(a.message)}</li>"
            for a in report.alerts
        ]
        parts.append("</ul>")
    if report.features:
        parts.append(
            "<h2>Features</h2><table id='features'><tr><th>feature</th><th>kind</th>"
            "<th>verdict</th><th>statistic</th><th>threshold</th><th>PSI</th><th>KS</th>"
            "<th>KS p</th><th>χ²</th><th>χ² p</th><th>unseen</th></tr>"
            + _feature_rows(report.features)
            + "</table>"
        )
        plotted = [*report.features, *([report.prediction] if report.prediction else [])]
        parts.append("<div class='grid'>")
        parts += [
            f"<figure data-feature='{html.escape(f.name)}'><img alt='{html.escape(f.name)}' "
            f"src='data:image/png;base64,{_plot(f)}'><figcaption>"
            f"{html.escape(f.name)}</figcaption></figure>"
            for f in plotted
        ]
        parts.append("</div>")
    if report.prediction is not None:
        p = report.prediction
        parts.append(
            f"<h2>Prediction drift</h2><p>P(yes): {p.statistic} {_number(p.value)} "
            f"(threshold {p.threshold:g}); PSI {_number(p.psi)}; KS {_number(p.ks_statistic)}.</p>"
        )
    if report.windows:
        parts.append(
            "<h2>Windows</h2><table id='windows'><tr><th>start</th><th>rows</th><th>status"
            "</th><th>drift share</th><th>drifted</th></tr>"
        )
        parts += [
            f"<tr><td>{_time(w.start)}</td><td>{w.rows:,}</td><td>{w.status}</td>"
            f"<td>{w.drift_share:.0%}</td>"
            f"<td>{html.escape(', '.join(w.drifted_features))}</td></tr>"
            for w in report.windows
        ]
        parts.append("</table>")
    if report.performance:
        parts.append(
            "<h2>Performance</h2><table id='performance'><tr><th>window</th><th>labelled</th>"
            "<th>AUC</th><th>training AUC</th><th>accuracy</th><th>training accuracy</th></tr>"
        )
        parts += [
            f"<tr><td>{'whole period' if w.start is None else _time(w.start)}</td>"
            f"<td>{w.labelled_rows:,}</td><td>{_number(w.auc)}</td><td>{_number(w.training_auc)}"
            f"</td><td>{_number(w.accuracy)}</td><td>{_number(w.training_accuracy)}</td></tr>"
            for w in report.performance
        ]
        parts.append("</table>")
    if report.status == "no_data":
        parts.append("<p>No captured input in this period.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
