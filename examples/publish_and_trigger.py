"""Publish the training pipeline behind an authenticated REST endpoint, trigger it the way a
scheduler would, and follow the run.

Run:  python examples/publish_and_trigger.py --data bankmarketing_train.csv --minutes 1
      python examples/publish_and_trigger.py --synthetic     # 3,000 synthetic rows
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bankmarketing_ops import (
    BankOpsError,
    ModelDeployer,
    PipelineClient,
    PipelinePublisher,
    UnprocessableEntityError,
    Workspace,
    data,
    training_pipeline,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", help="workspace directory (default: a temporary one)")
    parser.add_argument("--data", help="data file (default: BANKOPS_DATA, else download)")
    parser.add_argument("--synthetic", action="store_true", help="use synthetic rows instead")
    parser.add_argument("--minutes", type=float, default=0.2, help="AutoML budget per run")
    parser.add_argument("--keep", action="store_true", help="leave the server and service up")
    args = parser.parse_args()

    root = Path(args.workspace or tempfile.mkdtemp(prefix="bankops-example-"))
    workspace = Workspace.local(root)
    publisher = PipelinePublisher(workspace)
    data_path = args.data or ""
    if args.synthetic:
        root.mkdir(parents=True, exist_ok=True)
        data_path = str(root / "synthetic.csv")
        data.synthetic(3_000, seed=0).to_csv(data_path, index=False)
    try:
        # runs may read only allowed places: the workspace, the data cache, BANKOPS_DATA,
        # and what the publisher names (here the file given with --data)
        pipeline = training_pipeline(data_roots=[Path(args.data).absolute()] if args.data else [])
        published = publisher.publish(pipeline, description="nightly retraining")
        print(f"published {published.name} v{published.version}: {published.endpoint}")

        # Another program needs only the endpoint URL and the token.
        with PipelineClient(token=publisher.token()) as client:
            try:
                client.trigger(published, experiment_name="demo", parameters={"budget": 5})
            except UnprocessableEntityError as exc:
                print("refused:", "; ".join(f"{e.field}: {e.message}" for e in exc.errors))

            run_id = client.trigger(
                published.endpoint,
                experiment_name="demo",
                parameters={"data_path": data_path, "timeout_minutes": args.minutes},
            )
            print(f"run {run_id} started")
            run = client.wait(run_id, timeout=600)
        print(f"run {run.status}:")
        for step in run.steps:
            print(f"  {step.name:<14} {step.status}")
        evaluation = publisher.get_logs(run.id, step="evaluate")["evaluate"]
        decision = next(line for line in evaluation if "evaluation:" in line)
        print("evaluation:", decision.split("evaluation: ", 1)[1])
        service = ModelDeployer(workspace).get("bankmarketing")
        print(f"service {service.name} serves {service.model} ({service.state})")
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            publisher.stop_server()
            for service in ModelDeployer(workspace).list():
                ModelDeployer(workspace).delete(service.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
