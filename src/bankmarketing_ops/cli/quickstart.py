"""`bankops quickstart`: run the whole product, as far as it exists, on the real data."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import pandas as pd
import typer
from pydantic import BaseModel

from bankmarketing_ops import (
    AutoMLTrainer,
    ConfigurationError,
    DataValidationError,
    DeploymentError,
    DriftMonitor,
    DriftReport,
    EndpointClient,
    Evaluation,
    InsightsManager,
    ModelDeployer,
    ModelVersion,
    PipelinePublisher,
    PipelineRun,
    PipelineRunError,
    PublishedPipeline,
    TelemetrySummary,
    TrainingRun,
    WebService,
    Workspace,
    compare_models,
    data,
    training_pipeline,
)
from bankmarketing_ops import _constants as C
from bankmarketing_ops.cli import render
from bankmarketing_ops.cli._output import (
    JsonOption,
    download_progress,
    emit_json,
    handle_errors,
    stderr,
    stdout,
)
from bankmarketing_ops.cli._workspace import open_workspace as open_command_workspace
from bankmarketing_ops.cli.drift import render_report
from bankmarketing_ops.cli.insights import render_summary
from bankmarketing_ops.cli.pipelines import follow_run, render_run
from bankmarketing_ops.cli.services import describe
from bankmarketing_ops.cli.train import train_and_register
from bankmarketing_ops.config import get_settings
from bankmarketing_ops.ml.features import records_of


class QuickstartReport(BaseModel):
    """What `quickstart --json` prints: one section per step that ran."""

    source: data.DataSource
    """Which data file was used, and why."""
    valid: bool
    """Whether the data passed validation (nothing runs after a failed validation)."""
    problems: data.ValidationReport | None = None
    """The validation report, when the data is invalid."""
    profile: data.DataProfile | None = None
    """The data profile, when the data is valid."""
    training: TrainingRun | None = None
    """The AutoML run (short budget)."""
    registered: ModelVersion | None = None
    """The model version the run registered."""
    evaluation: Evaluation | None = None
    """Whether the new model beat the one the service already served (the pipeline's
    champion/challenger rule), and so replaced it."""
    service: WebService | None = None
    """The scoring service serving it."""
    scoring_request: dict[str, Any] | None = None
    scoring_response: dict[str, Any] | None = None
    insights: TelemetrySummary | None = None
    """Telemetry of the traffic quickstart sent (some of it bad on purpose)."""
    pipeline: PublishedPipeline | None = None
    """The training pipeline, published behind its REST endpoint."""
    pipeline_run: PipelineRun | None = None
    """The run quickstart triggered over REST and followed to its end."""
    drift: DriftReport | None = None
    """Drift of the captured crisis-era inputs against the served model's training data
    (local backend)."""


_AZURE = "Azure ML (with --backend azureml)"


class BackendChoice(StrEnum):
    """Where quickstart runs."""

    local = "local"
    azureml = "azureml"


class AuthChoice(StrEnum):
    """How quickstart signs in to Azure ML."""

    interactive = "interactive"
    service_principal = "service_principal"
    cli = "cli"
    msi = "msi"
    token = "token"


#: `--auth token` reads the tokens from these (secrets stay out of the command line).
TOKEN_VARIABLES = ("AZUREML_ARM_TOKEN", "AZUREML_MONITOR_TOKEN")


def _token_sign_in(auth: str) -> dict[str, Any]:
    """For `--auth token`: the ARM token that opens the workspace and a credential over
    the Azure Monitor token that reads its telemetry, both from the environment."""
    if auth != "token":
        return {}
    from bankmarketing_ops.backends.azureml.session import environment_tokens

    return environment_tokens()


def open_workspace(
    backend: str | None,
    *,
    config: Path | None = None,
    subscription_id: str | None = None,
    resource_group: str | None = None,
    workspace_name: str | None = None,
    auth: str | None = None,
) -> Workspace:
    """The workspace the options name: Azure ML from the three names; else the one every
    command uses (`bankops --backend`, BANKOPS_BACKEND), with quickstart's own
    `--backend`, `--config` (which means Azure ML) and `--auth` on top."""
    names = (subscription_id, resource_group, workspace_name)
    if any(names):
        if not all(names):
            raise ConfigurationError(
                "give all of --subscription-id, --resource-group and --workspace-name, "
                "or --config PATH"
            )
        auth = auth or get_settings().azure_auth
        sign_in = _token_sign_in(auth)
        return Workspace.azureml(*names, auth=auth, **sign_in)  # type: ignore[arg-type]
    if backend is None and config is not None:
        backend = "azureml"
    return open_command_workspace(
        backend=backend,  # type: ignore[arg-type]  # a BackendChoice value
        azure_config=config,
        azure_auth=auth,  # type: ignore[arg-type]  # an AuthChoice value
    )


@handle_errors
def quickstart(
    data_path: Annotated[
        Path | None,
        typer.Option("--data", help="Use this data file (else BANKOPS_DATA, else download)."),
    ] = None,
    timeout_minutes: Annotated[
        float | None,
        typer.Option(
            help=f"AutoML search budget in minutes (default: {C.QUICKSTART_BUDGET_MINUTES:g} "
            f"locally, {C.AZUREML_QUICKSTART_BUDGET_MINUTES:g} on Azure ML)."
        ),
    ] = None,
    backend: Annotated[
        BackendChoice | None,
        typer.Option(
            help="Run on this machine, or on Azure ML (needs the azureml extra); default: "
            "bankops --backend, else BANKOPS_BACKEND, else local.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help=f"{_AZURE}: the workspace config.json (default: searched upward)."),
    ] = None,
    subscription_id: Annotated[str | None, typer.Option(help=f"{_AZURE}: subscription.")] = None,
    resource_group: Annotated[str | None, typer.Option(help=f"{_AZURE}: resource group.")] = None,
    workspace_name: Annotated[str | None, typer.Option(help=f"{_AZURE}: workspace.")] = None,
    auth: Annotated[
        AuthChoice | None,
        typer.Option(
            help=f"{_AZURE}: how to sign in (service_principal reads AZURE_TENANT_ID, "
            "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET; token reads AZUREML_ARM_TOKEN and "
            "AZUREML_MONITOR_TOKEN); default: BANKOPS_AZURE_AUTH, else interactive.",
            show_default=False,
        ),
    ] = None,
    model_name: Annotated[str, typer.Option(help="Register the model under this name.")] = (
        C.DEFAULT_MODEL_NAME
    ),
    service_name: Annotated[str, typer.Option("--service", help="Deploy as this service.")] = (
        C.DEFAULT_SERVICE_NAME
    ),
    json_output: JsonOption = False,
) -> None:
    """Run every step end to end: fetch → validate → profile → train → register → deploy →
    score → insights → publish the training pipeline and run it over REST → capture
    crisis-era traffic and measure drift (on this machine; on Azure ML with --backend
    azureml, up to the pipeline)."""
    console = stdout()
    workspace = open_workspace(
        None if backend is None else backend.value,
        config=config,
        subscription_id=subscription_id,
        resource_group=resource_group,
        workspace_name=workspace_name,
        auth=None if auth is None else auth.value,
    )
    if timeout_minutes is None:
        timeout_minutes = workspace.timings.quickstart_budget_minutes
    with download_progress("downloading the data") as on_progress:
        source = data.locate(data_path, on_progress=on_progress)
    if not json_output:
        console.rule("[bold]1. data")
        console.print(f"using {source.path} ({source.origin})")
        console.rule("[bold]2. validate")
    try:
        frame = data.load(source.path)
    except DataValidationError as exc:
        if json_output:
            emit_json(QuickstartReport(source=source, valid=False, problems=exc.report))
        else:
            render.validation_report(console, exc.report)
        raise typer.Exit(1) from None
    profile = data.profile(frame)
    if not json_output:
        console.print(
            f"[green]✔ valid[/]  {profile.rows:,} rows, {profile.columns} columns "
            f"({profile.format} format)"
        )
        console.rule("[bold]3. profile")
        render.data_profile(console, profile)
        console.rule("[bold]4. train with AutoML and register")
    trainer = AutoMLTrainer(workspace, experiment_timeout_minutes=timeout_minutes)
    run, version = train_and_register(
        trainer, workspace, source.path, json_output=json_output, model_name=model_name
    )
    assert version is not None
    if not json_output:
        console.rule("[bold]5. deploy and score")
    service, request, response, evaluation = deploy_and_score(
        workspace, version, service_name, run=run, frame=frame
    )
    if not json_output:
        console.print(deployment_decision(evaluation, version, service), markup=False)
        describe(service)
        console.print_json(data={"request": request, "response": response})
        console.rule("[bold]6. insights")
    summary = traffic_with_insights(workspace, service)
    if not json_output:
        render_summary(summary)
        console.rule("[bold]7. automate: publish the training pipeline and trigger it over REST")
    published, pipeline_run = publish_and_trigger(
        workspace,
        data_path=str(source.path),
        timeout_minutes=timeout_minutes,
        model_name=model_name,
        service_name=service_name,
        json_output=json_output,
    )
    drift = None
    if workspace.supports("capture") and pipeline_run.status == "Completed":
        if not json_output:
            console.print(render_run(pipeline_run))
            console.rule("[bold]8. monitor: capture inputs and measure drift")
        drift = crisis_traffic_drift(workspace, service_name, frame)
        if not json_output:
            render_report(drift)
            console.print(
                "Capture is off again; the captured rows stay until the retention period "
                "or bankops insights purge."
            )
    if json_output:
        emit_json(
            QuickstartReport(
                source=source,
                valid=True,
                profile=profile,
                training=run,
                registered=version,
                evaluation=evaluation,
                service=service,
                scoring_request=request,
                scoring_response=response,
                insights=summary,
                pipeline=published,
                pipeline_run=pipeline_run,
                drift=drift,
            )
        )
        if pipeline_run.status != "Completed":
            raise PipelineRunError(pipeline_run)
        return
    if drift is None:
        console.print(render_run(pipeline_run))
    if pipeline_run.status != "Completed":
        raise PipelineRunError(pipeline_run)
    server = workspace.supports("pipeline_server")
    token = "bankops pipelines token" if server else "an Entra token of the workspace"
    console.print(
        f"Trigger it again from anywhere: POST {published.endpoint} with "
        f"'Authorization: Bearer <{token}>'."
    )
    also = " (and the pipeline server with: bankops pipelines stop)" if server else ""
    console.print(
        f"The service keeps running; delete it with: bankops services delete "
        f"{service.name}{also}. On a cloud it is billed while it runs (Azure ML: see "
        "'Costs and cleanup' in docs/azureml.md, also for the compute cluster)."
    )


def crisis_traffic_drift(
    workspace: Workspace, service_name: str, frame: pd.DataFrame
) -> DriftReport:
    """Capture what the service scores while it is sent the lowest-Euribor rows (the
    2009–2010 crisis in the real data), then compare them with its model's training data."""
    monitor = DriftMonitor(workspace)
    service = monitor.enable_capture(service_name, sample_rate=1.0)
    started = time.time()
    rows = min(C.QUICKSTART_DRIFT_ROWS, max(monitor.options.min_rows, int(len(frame) * 0.4)))
    crisis = frame.nsmallest(rows, "euribor3m").drop(columns=[data.SCHEMA.target.name])
    records = [dict(r) for r in records_of(crisis)]
    key = ModelDeployer(workspace).get_keys(service_name).primary_key.get_secret_value()
    try:
        with EndpointClient.from_service(service, key=key) as client:
            scored = sum(1 for _ in client.score_batch(records))
        deadline = time.time() + 10
        while len(monitor.captured(service_name, since=started)) < scored:
            if time.time() > deadline:  # written within a second; never wait forever
                break
            time.sleep(0.2)
    finally:
        monitor.disable_capture(service_name)
    return monitor.report(service_name, since=started)


def publish_and_trigger(
    workspace: Workspace,
    *,
    data_path: str,
    timeout_minutes: float,
    model_name: str,
    service_name: str,
    json_output: bool,
) -> tuple[PublishedPipeline, PipelineRun]:
    """Publish the built-in training pipeline, start one run with a POST to its endpoint
    (as any scheduler would) and follow it to its end."""
    publisher = PipelinePublisher(workspace)
    # the run reads the file quickstart found, wherever it is: the publisher allows it
    published = publisher.publish(training_pipeline(data_roots=[data_path]))
    console = stderr() if json_output else stdout()
    if not json_output:
        console.print(
            f"[green]✔ published[/] {published.name} version {published.version}: "
            f"{published.endpoint}"
        )
    # Only the parameters the published pipeline declares go over REST (Azure's published
    # AutoMLStep pipeline fixes its settings when built and declares none).
    wanted: dict[str, Any] = {
        "data_path": data_path,
        "timeout_minutes": timeout_minutes,
        "model_name": model_name,
        "service_name": service_name,
    }
    declared = {parameter.name for parameter in published.parameters}
    parameters = {name: value for name, value in wanted.items() if name in declared}
    with publisher.client() as client:
        run_id = client.trigger(published, experiment_name="quickstart", parameters=parameters)
        if not json_output:
            console.print(f"triggered run {run_id} over REST; following it …")
        # the search budget, plus room for starting, ensembling, evaluating and deploying
        # (on a cloud also for a compute cluster to scale up from zero nodes)
        timeout = timeout_minutes * 60 + workspace.timings.pipeline_run_margin_s
        return published, follow_run(publisher.get_run, run_id, console, timeout=timeout)


def traffic_with_insights(workspace: Workspace, service: WebService) -> TelemetrySummary:
    """Switch insights on, send 50 good requests, 3 without a key and 2 malformed, and
    read the summary back once the records are written (within a second locally; App
    Insights ingests in minutes, so on Azure ML quickstart waits up to 5)."""
    insights = InsightsManager(workspace)
    insights.enable(service.name)
    started = time.time()
    key = ModelDeployer(workspace).get_keys(service.name).primary_key.get_secret_value()
    good = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30) as client:
        for _ in range(50):
            client.post(
                service.scoring_uri, json={"data": [data.SCHEMA.example_row()]}, headers=good
            )
        for _ in range(3):
            client.post(service.scoring_uri, json={"data": [data.SCHEMA.example_row()]})
        for _ in range(2):
            client.post(
                service.scoring_uri,
                content=b'{"data": [',
                headers={**good, "Content-Type": "application/json"},
            )
    timings = workspace.timings
    deadline = time.time() + timings.telemetry_delay_s
    while True:
        summary = insights.summary(service.name, since=started, name="POST /score")
        if summary.requests >= 55 or time.time() > deadline:
            return summary
        time.sleep(timings.telemetry_poll_s)


def deployment_decision(evaluation: Evaluation, version: ModelVersion, service: WebService) -> str:
    """One sentence: what the service serves now, and why."""
    if evaluation.better:
        return f"deployed {version.ref} to {service.name}: {evaluation.reason}"
    return (
        f"kept {service.model} on {service.name}, not the new {version.ref}: "
        f"{evaluation.reason}. Deploy it anyway with: bankops deploy {version.ref} "
        f"--service {service.name}"
    )


def deploy_and_score(
    workspace: Workspace,
    version: ModelVersion,
    service_name: str,
    *,
    run: TrainingRun,
    frame: pd.DataFrame,
) -> tuple[WebService, dict[str, Any], dict[str, Any], Evaluation]:
    """Deploy `version`, or switch an existing service to it when it beats the model served
    now (the training pipeline's champion/challenger rule); then score one record over
    HTTP."""
    deployer = ModelDeployer(workspace)
    existing = {s.name: s for s in deployer.list()}.get(service_name)
    evaluation = compare_models(
        workspace,
        run,
        existing.model if existing else None,
        frame,
        service_name=service_name,
    )
    if existing is None:
        service = deployer.begin_deploy(version, service_name).result()
    elif evaluation.better:
        service = deployer.update(service_name, model=version)
    else:
        service = existing
    key = deployer.get_keys(service_name).primary_key.get_secret_value()
    request = {"data": [data.SCHEMA.example_row()], "method": "predict_proba"}
    reply = httpx.post(
        service.scoring_uri, json=request, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    if reply.status_code != 200:
        raise DeploymentError(f"the scoring request failed: {reply.status_code} {reply.text}")
    answer = reply.json()
    if isinstance(answer, str):  # Azure v1 AutoML: a JSON document inside a JSON string
        answer = json.loads(answer)
    return service, request, answer, evaluation
