"""The HTML report: one plot per feature, nothing fetched from elsewhere."""

from __future__ import annotations

import re

from bankmarketing_ops import DriftMonitor, Workspace, data


def test_html_has_a_plot_per_feature_and_works_offline(workspace: Workspace) -> None:
    reference = data.synthetic(2_000, seed=1)
    current = data.synthetic(2_000, seed=2)
    current["euribor3m"] = current["euribor3m"] + 3
    report = DriftMonitor(workspace).compare(reference, current)
    page = DriftMonitor.render_html(report)
    figures = re.findall(
        r"<figure data-feature='([^']+)'><img [^>]*src='data:image/png;base64,", page
    )
    assert sorted(figures) == sorted(data.SCHEMA.input_names)
    assert not re.search(r"(src|href)=['\"]https?:", page)
    assert "<script" not in page
    assert "euribor3m drifted" in page
