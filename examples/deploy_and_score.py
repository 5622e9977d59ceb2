"""Deploy a registered model as a scoring service and call it with the typed client.

Run:  python examples/deploy_and_score.py --workspace .bankops --model bankmarketing:1
      python examples/deploy_and_score.py --synthetic      # trains a small model first
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from bankmarketing_ops import (
    AutoMLTrainer,
    BankOpsError,
    EndpointClient,
    ModelDeployer,
    ModelRegistry,
    UnprocessableEntityError,
    Workspace,
    data,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", help="workspace directory (default: a temporary one)")
    parser.add_argument("--model", default="bankmarketing", help="NAME[:VERSION] to deploy")
    parser.add_argument("--synthetic", action="store_true", help="train a small model first")
    parser.add_argument("--keep", action="store_true", help="leave the service running")
    args = parser.parse_args()

    workspace = Workspace.local(args.workspace or tempfile.mkdtemp(prefix="bankops-example-"))
    registry, deployer = ModelRegistry(workspace), ModelDeployer(workspace)
    try:
        if args.synthetic:
            run = AutoMLTrainer(workspace, experiment_timeout_minutes=0.1).train(
                data.synthetic(2_000, seed=0)
            )
            registry.register_run(run, name="bankmarketing")
        name, _, version = args.model.partition(":")
        model = registry.get(name, int(version) if version else "latest")
        service = deployer.begin_deploy(model, "example-service").result()
        print(f"{service.name}: {service.state} at {service.scoring_uri}")
        key = deployer.get_keys(service.name).primary_key.get_secret_value()

        with EndpointClient.from_service(service, key=key) as client:
            row = data.SCHEMA.example_row()
            print("predict:", client.score([row]).result)
            print("predict_proba:", client.score([row], method="predict_proba").result)
            rows = (dict(row, age=age) for age in range(20, 70))  # any iterable streams
            print("batch:", len(list(client.score_batch(rows, chunk_size=10))), "answers")
            try:
                client.score([dict(row, month="smarch")])
            except UnprocessableEntityError as exc:
                print("refused:", exc.errors[0])
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            deployer.delete("example-service")
    return 0


if __name__ == "__main__":
    sys.exit(main())
