"""Score records on an Azure ML endpoint (either AutoML scoring-script form) or a local one.

Run:  python examples/score_azure_endpoint.py --uri https://…/score --key KEY
      python examples/score_azure_endpoint.py --uri http://127.0.0.1:5001/score --wire v2

The client reads the endpoint's /swagger.json to choose the request form (`--wire auto`),
asks for labels and for probabilities, and shows what a failing scoring script answers.
"""

from __future__ import annotations

import argparse
import sys

from bankmarketing_ops import (
    BankOpsError,
    EndpointClient,
    ProbabilitiesNotSupportedError,
    ScoringScriptError,
    data,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", required=True, help="the scoring URI (…/score)")
    parser.add_argument("--key", help="a key of the endpoint, if it needs one")
    parser.add_argument("--wire", choices=["auto", "v1", "v2"], default="auto")
    args = parser.parse_args()

    row = data.SCHEMA.example_row()
    rows = [row, dict(row, duration=900)]
    try:
        with EndpointClient(args.uri, key=args.key, wire=args.wire) as client:
            print("request form:", client.resolve_wire())
            print("predict:", client.score(rows).result)
            try:
                answer = client.score(rows, method="predict_proba", all_classes=True)
                print("P(yes):", answer.result)
                print("matrix:", answer.classes, answer.probabilities)
            except ProbabilitiesNotSupportedError as exc:
                print("no probabilities:", exc)
            try:
                client.score([dict(row, job="astronaut")])
            except ScoringScriptError as exc:  # Azure's words, kept
                print(f"script failed ({exc.status_code}):", exc.server_message)
                print("  x-ms-request-id:", exc.request_id)
            except BankOpsError as exc:  # a local service refuses it with a 422 instead
                print("refused:", exc)
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
