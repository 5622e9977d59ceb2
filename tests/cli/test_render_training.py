"""The training report says which rows the model's metrics were measured on."""

from __future__ import annotations

from bankmarketing_ops import TrainingRun
from bankmarketing_ops.cli.render_training import metrics_comparison


def test_the_comparison_names_the_rows_of_each_side(trained_run: TrainingRun) -> None:
    assert trained_run.metrics_source == "test"
    local = metrics_comparison(trained_run)
    assert local.title == f"Test split ({trained_run.test_rows:,} rows)"

    # the same run as Azure reports it: the model on its validation rows, the baseline here
    azure = trained_run.model_copy(
        update={"metrics_source": "validation", "metrics": trained_run.metrics}
    )
    table = metrics_comparison(azure)
    assert str(table.title).startswith(
        f"Best model on its validation rows ({trained_run.metrics.rows:,})"
    )
    assert f"test split ({trained_run.test_rows:,} rows)" in str(table.title)
    assert table.columns[1].header.endswith("(validation)")
