"""Train, register, deploy and watch the Bank Marketing classifier on Azure ML.

Needs the extra and a workspace (it creates billable resources; see docs/azureml.md):

    pip install 'bankmarketing_ops[azureml]'
    python examples/azureml_quickstart.py --config path/to/config.json [--auth cli]

It deletes the web service at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import sys
import time

from bankmarketing_ops import (
    AutoMLTrainer,
    BankOpsError,
    EndpointClient,
    InsightsManager,
    ModelDeployer,
    ModelRegistry,
    Workspace,
    data,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the workspace's config.json (default: searched)")
    parser.add_argument("--auth", default="interactive", help="interactive, cli, msi, ...")
    parser.add_argument("--minutes", type=float, default=20.0, help="AutoML budget")
    parser.add_argument("--service", default="bankmarketing-svc", help="web service name")
    parser.add_argument("--keep", action="store_true", help="keep the web service running")
    args = parser.parse_args()

    try:
        workspace = Workspace.from_config(args.config, auth=args.auth)
        print(f"workspace: {workspace.info().location}")
        run = AutoMLTrainer(workspace, experiment_timeout_minutes=args.minutes).train()
        print(
            f"best: {run.best.model_type}, {run.metrics_source} AUC_weighted "
            f"{run.metrics.AUC_weighted:.3f} "
            f"(default LightGBM here: {run.baseline_metrics.AUC_weighted:.3f})"
        )
        version = ModelRegistry(workspace).register_run(run, name="bankmarketing")
        deployer = ModelDeployer(workspace)
        service = deployer.deploy(version, args.service)
        print(f"scoring URI: {service.scoring_uri}")
        InsightsManager(workspace).enable(service.name)
        key = deployer.get_keys(service.name).primary_key.get_secret_value()
        with EndpointClient(service.scoring_uri, key=key) as client:
            print("prediction:", client.score([data.SCHEMA.example_row()]).result)
        time.sleep(180)  # Application Insights ingests within a few minutes
        summary = InsightsManager(workspace).summary(service.name)
        print(f"{summary.requests} requests, {summary.failures} failed")
        if not args.keep:
            deployer.delete(service.name)
            print("web service deleted")
    except BankOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
