"""Watch for drift on the real data: split it by economic regime, then at random.

The file spans May 2008 – November 2010. Its economic columns change regime with the
crisis: the 3-month Euribor falls from about 5 % to under 1.5 %, and the number employed
from about 5,200 to 5,100 thousand and below. A model trained on the first regime and
served in the second sees drift; two random halves of the file see none.

With `--serve` it goes on to what happens in production: it trains a model on the first
regime, deploys it with capture on, scores rows of each regime, logs their true outcomes,
and reports data drift, prediction drift and AUC against the training metrics per phase.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python examples/drift_regimes.py
      ... --html drift.html      # also write the report as one offline HTML page
      ... --serve --minutes 0.5  # train, deploy, capture, label, report
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import pandas as pd

from bankmarketing_ops import (
    AutoMLTrainer,
    BankOpsError,
    DriftMonitor,
    DriftReport,
    EndpointClient,
    ModelDeployer,
    ModelRegistry,
    Workspace,
    data,
)

#: Euribor 3-month rate separating the pre-crisis regime (above) from the crisis (below).
EURIBOR_CUT = 3.0


def show(title: str, report: DriftReport) -> None:
    verdict = "DATA-SET DRIFT" if report.dataset_drift else "no data-set drift"
    print(
        f"{title}: {verdict} — {len(report.drifted_features)} of {len(report.features)} "
        f"inputs drifted ({report.drift_share:.0%})"
    )
    for feature in sorted(report.features, key=lambda f: f.value, reverse=True)[:8]:
        mark = "*" if feature.drifted else " "
        print(
            f"  {mark} {feature.name:<15} {feature.statistic:<23} {feature.value:7.3f}   "
            f"PSI {feature.psi:6.3f}"
        )


def serve_and_watch(
    workspace: Workspace, before: pd.DataFrame, after: pd.DataFrame, minutes: float
) -> None:
    """Train on the first regime, serve, then score each regime and report on it."""
    training = before.sample(frac=0.8, random_state=0)
    held_back = before.drop(training.index)
    run = AutoMLTrainer(workspace, experiment_timeout_minutes=minutes).train(training)
    model = ModelRegistry(workspace).register_run(run, name="regime-2008")
    deployer, monitor = ModelDeployer(workspace), DriftMonitor(workspace)
    service = deployer.deploy(model, "drift-demo")
    try:
        monitor.enable_capture(service.name, sample_rate=1.0)
        key = deployer.get_keys(service.name).primary_key.get_secret_value()
        with EndpointClient.from_service(service, key=key) as client:
            for phase, rows in (("same regime", held_back), ("crisis regime", after)):
                rows = rows.sample(2_000, random_state=1)
                started = time.time()
                labels: dict[str, str] = {}
                inputs = rows[list(data.SCHEMA.input_names)].astype(object)
                records = inputs.to_dict(orient="records")
                truth = rows["y"].astype(str).tolist()
                for start in range(0, len(records), 100):
                    answer = client.score(records[start : start + 100])
                    for offset in range(len(answer.result)):
                        labels[f"{answer.request_id}#{offset}"] = truth[start + offset]
                deadline = time.monotonic() + 30  # the writer flushes once a second
                while (
                    len(monitor.captured(service.name, since=started)) < len(records)
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.2)
                monitor.log_labels(service.name, labels)
                report = monitor.report(service.name, since=started)
                show(f"served, {phase}", report)
                assert report.prediction is not None
                print(
                    f"  prediction drift: {report.prediction.statistic} "
                    f"{report.prediction.value:.3f} (P(yes) mean moved to "
                    f"{monitor.captured(service.name, since=started)['probability'].mean():.3f})"
                )
                performance = report.performance[0]
                print(
                    f"  performance on {performance.labelled_rows:,} labelled rows: AUC "
                    f"{performance.auc:.3f} (training {performance.training_auc:.3f}), "
                    f"accuracy {performance.accuracy:.3f} "
                    f"(training {performance.training_accuracy:.3f})"
                )
                for alert in report.alerts:
                    if alert.kind in ("prediction", "performance"):
                        print(f"  alert ({alert.severity}): {alert.message}")
    finally:
        deployer.delete(service.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a data file (default: BANKOPS_DATA, cache, download)")
    parser.add_argument("--html", help="write the regime report as HTML here")
    parser.add_argument("--serve", action="store_true", help="also train, deploy and watch")
    parser.add_argument("--minutes", type=float, default=0.5, help="AutoML budget for --serve")
    args = parser.parse_args()
    try:
        frame = data.load(data.locate(args.data).path)
        workspace = Workspace.local(tempfile.mkdtemp(prefix="bankops-drift-"))
        monitor = DriftMonitor(workspace)

        before = frame[frame["euribor3m"] >= EURIBOR_CUT]
        after = frame[frame["euribor3m"] < EURIBOR_CUT]
        print(
            f"regimes: {len(before):,} rows with euribor3m >= {EURIBOR_CUT} "
            f"(nr.employed mean {before['nr.employed'].mean():,.0f}), {len(after):,} below "
            f"(nr.employed mean {after['nr.employed'].mean():,.0f})"
        )
        regime = monitor.compare(
            before,
            after,
            reference_label=f"euribor3m >= {EURIBOR_CUT} (2008)",
            current_label=f"euribor3m < {EURIBOR_CUT} (crisis, 2009-2010)",
        )
        show("regime split", regime)

        shuffled = frame.sample(frac=1.0, random_state=0)
        half = len(shuffled) // 2
        show("random split", monitor.compare(shuffled.iloc[:half], shuffled.iloc[half:]))

        if args.html:
            with open(args.html, "w", encoding="utf-8") as handle:
                handle.write(DriftMonitor.render_html(regime))
            print(f"wrote {args.html}")
        if args.serve:
            serve_and_watch(workspace, before, after, args.minutes)
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
