"""Watch for drift on the real data: split it by economic regime, then at random.

The file spans May 2008 – November 2010. Its economic columns change regime with the
crisis: the 3-month Euribor falls from about 5 % to under 1.5 %, and the number employed
from about 5,200 to 5,100 thousand and below. A model trained on the first regime and
served in the second sees drift; two random halves of the file see none.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python examples/drift_regimes.py
      ... --html drift.html      # also write the report as one offline HTML page
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from bankmarketing_ops import BankOpsError, DriftMonitor, DriftReport, Workspace, data

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a data file (default: BANKOPS_DATA, cache, download)")
    parser.add_argument("--html", help="write the regime report as HTML here")
    args = parser.parse_args()
    try:
        frame = data.load(data.locate(args.data).path)
        monitor = DriftMonitor(Workspace.local(tempfile.mkdtemp(prefix="bankops-drift-")))

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
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
