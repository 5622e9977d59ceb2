"""Named defaults of the package: every tunable number and name lives here, once."""

from __future__ import annotations

from typing import Final

PACKAGE_NAME: Final = "bankmarketing_ops"
DISTRIBUTION_NAME: Final = "bankmarketing-ops"
CLI_NAME: Final = "bankops"

# --- environment variables (all read through `config.Settings`, prefix BANKOPS_) ---
ENV_PREFIX: Final = "BANKOPS_"
ENV_DATA: Final = "BANKOPS_DATA"
ENV_WORKSPACE: Final = "BANKOPS_WORKSPACE"
ENV_CACHE_DIR: Final = "BANKOPS_CACHE_DIR"

# --- workspace ---
DEFAULT_WORKSPACE_DIR: Final = ".bankops"
WORKSPACE_MANIFEST: Final = "workspace.json"
WORKSPACE_FORMAT_VERSION: Final = 1

# --- the public data file (docs/architecture.md, "The data") ---
DEFAULT_DATA_URL: Final = (
    "https://automlsamplenotebookdata.blob.core.windows.net/"
    "automl-sample-notebook-data/bankmarketing_train.csv"
)
DEFAULT_DATA_SHA256: Final = "8486deac8524001363f4257f3ece9cb6126beac8070b6b4b8c6e63713217a502"
DEFAULT_DATA_FILENAME: Final = "bankmarketing_train.csv"

# --- downloads ---
DOWNLOAD_CONNECT_TIMEOUT_S: Final = 5.0
DOWNLOAD_READ_TIMEOUT_S: Final = 30.0
DOWNLOAD_MAX_ATTEMPTS: Final = 4
DOWNLOAD_BACKOFF_INITIAL_S: Final = 0.5
DOWNLOAD_BACKOFF_MAX_S: Final = 8.0
DOWNLOAD_CHUNK_BYTES: Final = 64 * 1024
PARTIAL_DOWNLOAD_SUFFIX: Final = ".part"

# --- data handling ---
DEFAULT_TEST_SIZE: Final = 0.2
DEFAULT_SEED: Final = 0
#: How many problems the CLI lists before summarising the rest (the report keeps all).
CLI_MAX_LISTED_ISSUES: Final = 50

# --- AutoML and the registry ---
DEFAULT_MODEL_NAME: Final = "bankmarketing"
QUICKSTART_BUDGET_MINUTES: Final = 1.0
#: Azure AutoML on a cluster needs longer (node start-up, featurization) than a local search.
AZUREML_QUICKSTART_BUDGET_MINUTES: Final = 20.0
#: How often the CLI refreshes its live view of a run, in seconds.
TRAINING_REFRESH_S: Final = 0.5
#: How long a canceled run may take to stop after the current iteration, in seconds.
CANCEL_GRACE_S: Final = 15.0

# --- deployment and the scoring server ---
DEFAULT_SERVICE_NAME: Final = "bankmarketing"
SERVER_HOST: Final = "127.0.0.1"
#: Request bodies larger than this are refused with 413.
MAX_BODY_BYTES: Final = 8 * 1024 * 1024
#: Batches larger than this are scored in a worker thread so the event loop stays responsive.
INLINE_SCORING_ROWS: Final = 256
DEPLOY_TIMEOUT_S: Final = 90.0
STOP_TIMEOUT_S: Final = 10.0
HEALTH_TIMEOUT_S: Final = 2.0
#: How often a running server checks its service file for a new model or settings.
SERVICE_WATCH_INTERVAL_S: Final = 0.25
KEY_BYTES: Final = 32
#: Request line plus headers a server reads before it answers 431.
MAX_HEADER_BYTES: Final = 64 * 1024
#: A request (head and body) must arrive whole within this, from its first byte; else 408.
REQUEST_READ_TIMEOUT_S: Final = 15.0
#: Open connections one server process serves; requests on more get 503.
MAX_CONNECTIONS: Final = 1000
#: On SIGTERM, how long requests on open keep-alive connections are still answered.
DRAIN_TIMEOUT_S: Final = 2.0
#: After an error answered by the transport, how long the rest of the request is read and
#: dropped before the connection closes (closing on unread bytes resets the connection).
ERROR_LINGER_S: Final = 1.0
#: A dead worker is restarted after this, doubled after each failure in a row, up to the max.
RESTART_BACKOFF_INITIAL_S: Final = 0.5
RESTART_BACKOFF_MAX_S: Final = 30.0
#: A worker that has run this long has its backoff reset.
RESTART_BACKOFF_RESET_S: Final = 60.0
#: How often a supervisor looks at its workers.
SUPERVISOR_POLL_S: Final = 0.1
#: A service log larger than this is moved aside (to `server.log.1`) when the service starts.
SERVICE_LOG_MAX_BYTES: Final = 20 * 1024 * 1024
#: How often `services logs --follow` looks for new lines.
LOG_FOLLOW_POLL_S: Final = 0.5

# --- clients ---
CLIENT_TIMEOUT_S: Final = 30.0
CLIENT_CONNECT_TIMEOUT_S: Final = 5.0
CLIENT_MAX_RETRIES: Final = 2
BATCH_CHUNK_ROWS: Final = 1_000
BATCH_CONCURRENCY: Final = 4

# --- drift monitoring ---
#: A feature drifts when its deciding statistic (normalized Wasserstein for numeric inputs,
#: Jensen–Shannon distance for categorical ones) exceeds this.
DRIFT_THRESHOLD: Final = 0.1
#: The data set drifts when at least this share of the measured features drift.
DRIFT_SHARE: Final = 0.5
#: Windows with fewer rows are "insufficient_data": measured, never alarming. Measured on
#: random samples of the real file against all of it: at 300 rows single features still
#: cross 0.1 by chance (about one per window), at 500 rarely, at 1,000 never.
DRIFT_MIN_ROWS: Final = 500
#: Points of the quantile function kept per numeric input in a reference profile.
REFERENCE_QUANTILES: Final = 1_000
#: Numeric inputs with at most this many distinct values get one PSI bin per value.
REFERENCE_DISCRETE_VALUES: Final = 20
#: Alert when AUC or accuracy falls more than this below the training metrics.
PERFORMANCE_TOLERANCE: Final = 0.05
#: Captured scoring inputs sampled at this rate unless told otherwise.
DEFAULT_CAPTURE_SAMPLE_RATE: Final = 1.0
#: Exit code of `bankops drift … --fail-on-drift` when the data set drifts.
EXIT_DRIFT: Final = 3

# --- pipelines ---
DEFAULT_PIPELINE_NAME: Final = "bankmarketing-training"
DEFAULT_EXPERIMENT_NAME: Final = "bankmarketing"
#: Runs a pipeline server executes at once; the rest wait, queued, oldest first.
PIPELINE_MAX_CONCURRENT_RUNS: Final = 2
PIPELINE_SERVER_START_TIMEOUT_S: Final = 30.0
#: What a training run may take beyond its search budget before quickstart stops waiting.
PIPELINE_RUN_MARGIN_S: Final = 600.0
AZUREML_PIPELINE_RUN_MARGIN_S: Final = 2400.0
#: Per backend: a demo search budget (min), a pipeline run's margin (s), how long telemetry
#: takes to become readable (s) and how often to look (s). Locally records reach the
#: database within a second; a cluster scales up from zero nodes and Application Insights
#: ingests in minutes.
BACKEND_TIMINGS: Final = {
    "local": (QUICKSTART_BUDGET_MINUTES, PIPELINE_RUN_MARGIN_S, 5.0, 0.2),
    "azureml": (AZUREML_QUICKSTART_BUDGET_MINUTES, AZUREML_PIPELINE_RUN_MARGIN_S, 300.0, 15.0),
}
#: How often `PipelineClient.wait` and the CLI look at a run, in seconds.
PIPELINE_POLL_S: Final = 1.0
#: How many crisis-era rows `quickstart` sends through the service to show drift.
QUICKSTART_DRIFT_ROWS: Final = 2_000
#: Azure ML AutoML's smallest accepted experiment_timeout_minutes.
#: Reads of an Azure run that meet a transient error (429, 5xx, a dropped connection) are
#: tried this many times in all, waiting 2, 4, 8 … s (at most the poll interval) between.
AZUREML_READ_ATTEMPTS: Final = 5
AZUREML_MIN_BUDGET_MINUTES: Final = 15.0
