"""Find, validate, profile and split the Bank Marketing data with the public API.

Run:  BANKOPS_DATA=path/to/bankmarketing_train.csv python examples/data_quickstart.py
      python examples/data_quickstart.py --synthetic     # no file, no network
"""

from __future__ import annotations

import argparse
import sys

from bankmarketing_ops import BankOpsError, DataValidationError, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a data file (default: BANKOPS_DATA, cache, download)")
    parser.add_argument("--synthetic", action="store_true", help="use 5,000 synthetic rows")
    args = parser.parse_args()

    try:
        if args.synthetic:
            frame = data.synthetic(5_000, seed=0)
        else:
            source = data.locate(args.data)
            print(f"data: {source.path} ({source.origin})")
            frame = data.load(source.path)
    except DataValidationError as exc:
        for issue in exc.report.issues[:10]:
            print(f"  {issue.location()}: {issue.message}", file=sys.stderr)
        return 1
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    profile = data.profile(frame)
    print(f"{profile.rows:,} rows, {profile.target.positive_rate:.1%} subscribed")
    for note in profile.leaky_columns:
        print(f"leaky column: {note.name}")

    split = data.train_test_split(frame, test_size=0.2, seed=42)
    x_train, y_train = data.split_features(split.train, drop_leaky=True)
    print(
        f"train {len(split.train):,} rows / test {len(split.test):,} rows; "
        f"{x_train.shape[1]} inputs without the leaky ones; "
        f"train positive rate {(y_train == 'yes').mean():.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
