"""Pipeline bookkeeping in `<workspace>/pipelines/pipelines.db` (SQLite, WAL).

Published pipelines, named endpoints, runs (state, steps, the runner's pid) and the
`Idempotency-Key` of every triggered run live here, so they outlive the server. The server,
each runner process and the library all open it; SQLite serializes the writes, and a
UNIQUE key makes "this key already started a run" a single atomic insert.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bankmarketing_ops._exceptions import PipelineError, PipelineNotFoundError
from bankmarketing_ops._sqlite import BUSY_TIMEOUT_S, use_wal
from bankmarketing_ops.types.pipelines import (
    TERMINAL,
    Pipeline,
    PipelineRun,
    StepRun,
    next_version,
)

__all__ = ["PIPELINES_DB", "PipelineRecord", "PipelineStore", "now"]

PIPELINES_DB: Final = "pipelines.db"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS pipelines (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    description TEXT NOT NULL,
    definition TEXT NOT NULL,         -- the Pipeline, as JSON
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS endpoints (
    name TEXT PRIMARY KEY,
    default_pipeline_id TEXT NOT NULL REFERENCES pipelines (id),
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT,
    endpoint_name TEXT,
    pipeline_name TEXT NOT NULL,
    experiment_name TEXT NOT NULL,
    definition TEXT NOT NULL,         -- frozen at submission: a later publish changes nothing
    parameters TEXT NOT NULL,
    status TEXT NOT NULL,
    steps TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    runner_pid INTEGER,
    runner_started TEXT,              -- the runner's start time: its identity with the pid
    claimed_at REAL,                  -- when a dispatcher took it from the queue
    idempotency_key TEXT UNIQUE,
    request_hash TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at);
"""
_RUN_COLUMNS: Final = (
    "id, pipeline_id, endpoint_name, pipeline_name, experiment_name, parameters, status, "
    "steps, created_at, started_at, finished_at, error"
)


def now() -> str:
    """The current UTC time, ISO-8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _interrupted(run_status: str) -> str:
    """What a step still running becomes when its run ends this way."""
    return "Canceled" if run_status == "Canceled" else "Failed"


class PipelineRecord:
    """A published pipeline as stored (the backend adds its endpoint URL)."""

    def __init__(self, row: sqlite3.Row) -> None:
        self.id: str = row["id"]
        self.name: str = row["name"]
        self.version: str = row["version"]
        self.description: str = row["description"]
        self.definition = Pipeline.model_validate_json(row["definition"])
        self.enabled = bool(row["enabled"])
        self.created_at: str = row["created_at"]


class PipelineStore:
    """All reads and writes of pipeline state; one short connection per operation."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs_dir = root / "runs"
        self._schema_ready = False

    @contextmanager
    def _connect(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        database = self.root / PIPELINES_DB
        # a read of a workspace that never published anything must not create one: it
        # reads an empty database in memory instead
        empty = not write and not database.exists()
        if not empty:
            self.root.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if empty else database
        with closing(
            sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        ) as connection:
            connection.row_factory = sqlite3.Row
            if empty:
                connection.executescript(_SCHEMA)
            elif not self._schema_ready:  # once per store: the server keeps one for its life
                use_wal(connection)
                connection.executescript(_SCHEMA)
                self._schema_ready = True
            # IMMEDIATE for writes: a read-then-write (claim a queued run, finish a run)
            # cannot interleave with another. Reads take no write lock (WAL readers
            # see the last commit and never wait for writers).
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # --- published pipelines ------------------------------------------------------------
    def add_pipeline(
        self, pipeline: Pipeline, *, name: str, version: str | None, description: str
    ) -> PipelineRecord:
        """Store `pipeline` as `name` under a new id; `version` defaults to one more than
        the last numbered version of `name`."""
        with self._connect() as db:
            if version is None:
                taken = db.execute("SELECT version FROM pipelines WHERE name = ?", (name,))
                version = next_version(row[0] for row in taken)
            pipeline_id = str(uuid.uuid4())
            try:
                db.execute(
                    "INSERT INTO pipelines VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (
                        pipeline_id,
                        name,
                        version,
                        description or pipeline.description,
                        pipeline.model_dump_json(),
                        now(),
                    ),
                )
            except sqlite3.IntegrityError:
                raise PipelineError(
                    f"{name} version {version} is published already; "
                    "give another --version (or none, for the next number)"
                ) from None
            row = db.execute("SELECT * FROM pipelines WHERE id = ?", (pipeline_id,)).fetchone()
        return PipelineRecord(row)

    def get_pipeline(self, pipeline_id: str) -> PipelineRecord:
        with self._connect(write=False) as db:
            row = db.execute("SELECT * FROM pipelines WHERE id = ?", (pipeline_id,)).fetchone()
        if row is None:
            raise PipelineNotFoundError(f"no published pipeline with id {pipeline_id!r}")
        return PipelineRecord(row)

    def list_pipelines(self, name: str | None = None) -> list[PipelineRecord]:
        with self._connect(write=False) as db:
            rows = db.execute(
                "SELECT * FROM pipelines WHERE ? IS NULL OR name = ? ORDER BY created_at, rowid",
                (name, name),
            ).fetchall()
        return [PipelineRecord(row) for row in rows]

    def set_enabled(self, pipeline_id: str, enabled: bool) -> PipelineRecord:
        with self._connect() as db:
            db.execute("UPDATE pipelines SET enabled = ? WHERE id = ?", (int(enabled), pipeline_id))
        return self.get_pipeline(pipeline_id)

    # --- endpoints ----------------------------------------------------------------------
    def set_endpoint(self, name: str, pipeline_id: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO endpoints VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                "SET default_pipeline_id = excluded.default_pipeline_id, "
                "updated_at = excluded.updated_at",
                (name, pipeline_id, now()),
            )

    def get_endpoint(self, name: str) -> tuple[str, str]:
        """(default pipeline id, updated_at) of the endpoint `name`."""
        with self._connect(write=False) as db:
            row = db.execute("SELECT * FROM endpoints WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise PipelineNotFoundError(f"no pipeline endpoint named {name!r}")
        return row["default_pipeline_id"], row["updated_at"]

    def endpoint_names(self) -> list[str]:
        with self._connect(write=False) as db:
            return [row[0] for row in db.execute("SELECT name FROM endpoints ORDER BY name")]

    # --- runs ---------------------------------------------------------------------------
    def create_run(
        self,
        pipeline: Pipeline,
        parameters: dict[str, Any],
        *,
        experiment_name: str,
        status: str,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
    ) -> tuple[PipelineRun, bool]:
        """A new run, or — when `idempotency_key` was seen — the run it started and False.

        Raises:
            PipelineError: the key was used for a different request.
        """
        run_id = str(uuid.uuid4())
        steps = [StepRun(name=step.name) for step in pipeline.steps]
        with self._connect() as db:
            if idempotency_key is not None:
                seen = db.execute(
                    "SELECT id, request_hash FROM runs WHERE idempotency_key = ?",
                    (idempotency_key,),
                ).fetchone()
                if seen is not None:
                    if seen["request_hash"] != request_hash:
                        raise PipelineError(
                            "this Idempotency-Key was used for a different request; "
                            "use a new key for a new run"
                        )
                    return self._run(db, seen["id"]), False
            db.execute(
                "INSERT INTO runs (id, pipeline_id, endpoint_name, pipeline_name, "
                "experiment_name, definition, parameters, status, steps, created_at, "
                "idempotency_key, request_hash, claimed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    pipeline_id,
                    endpoint_name,
                    pipeline.name,
                    experiment_name,
                    pipeline.model_dump_json(),
                    json.dumps(parameters),
                    status,
                    json.dumps([s.model_dump() for s in steps]),
                    now(),
                    idempotency_key,
                    request_hash,
                    # A run created Running is being started by its creator right now.
                    time.time() if status == "Running" else None,
                ),
            )
            return self._run(db, run_id), True

    def _run(self, db: sqlite3.Connection, run_id: str) -> PipelineRun:
        row = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise PipelineNotFoundError(f"no pipeline run with id {run_id!r}")
        return self._to_run(row)

    def _to_run(self, row: sqlite3.Row) -> PipelineRun:
        values = dict(row)
        values["parameters"] = json.loads(values["parameters"])
        values["steps"] = json.loads(values["steps"])
        return PipelineRun(**values, run_dir=str(self.runs_dir / row["id"]))

    def get_run(self, run_id: str) -> PipelineRun:
        with self._connect(write=False) as db:
            return self._run(db, run_id)

    def run_definition(self, run_id: str) -> Pipeline:
        with self._connect(write=False) as db:
            row = db.execute("SELECT definition FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise PipelineNotFoundError(f"no pipeline run with id {run_id!r}")
        return Pipeline.model_validate_json(row[0])

    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[PipelineRun]:
        """Newest first."""
        with self._connect(write=False) as db:
            rows = db.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE (? IS NULL OR pipeline_id = ?) "
                "AND (? IS NULL OR endpoint_name = ?) AND (? IS NULL OR status = ?) "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (pipeline_id, pipeline_id, endpoint_name, endpoint_name, status, status, limit),
            ).fetchall()
        return [self._to_run(row) for row in rows]

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set columns of a run; `steps` takes a list of `StepRun`."""
        if "steps" in fields:
            fields["steps"] = json.dumps([s.model_dump() for s in fields["steps"]])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as db:
            db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*fields.values(), run_id))

    def finish_run(self, run_id: str, status: str, error: str | None) -> bool:
        """Mark a run finished unless it already is; steps still running or waiting are
        marked Failed or Skipped. Returns whether this call finished it."""
        with self._connect() as db:
            run = self._run(db, run_id)
            if run.status in TERMINAL:
                return False
            steps = [
                step.model_copy(
                    update={
                        "status": _interrupted(status) if step.status == "Running" else "Skipped",
                        "finished_at": now(),
                        "error": step.error or (error if step.status == "Running" else None),
                    }
                )
                if step.status in ("Running", "NotStarted")
                else step
                for step in run.steps
            ]
            db.execute(
                "UPDATE runs SET status = ?, error = ?, finished_at = ?, steps = ? WHERE id = ?",
                (status, error, now(), json.dumps([s.model_dump() for s in steps]), run_id),
            )
            return True

    def start_run(self, run_id: str, *, pid: int, started: str | None) -> bool:
        """The runner takes the run: only if it is still Running and no cancel was asked."""
        with self._connect() as db:
            taken = db.execute(
                "UPDATE runs SET started_at = ?, runner_pid = ?, runner_started = ? "
                "WHERE id = ? AND status = 'Running' AND cancel_requested = 0",
                (now(), pid, started, run_id),
            ).rowcount
        return bool(taken)

    def request_cancel(self, run_id: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))

    def cancel_requested(self, run_id: str) -> bool:
        with self._connect(write=False) as db:
            row = db.execute("SELECT cancel_requested FROM runs WHERE id = ?", (run_id,)).fetchone()
        return bool(row and row[0])

    def requeue(self, run_id: str) -> bool:
        """Put a claimed run whose runner never started back in the queue."""
        with self._connect() as db:
            moved = db.execute(
                "UPDATE runs SET status = 'Queued', claimed_at = NULL "
                "WHERE id = ? AND status = 'Running' AND runner_pid IS NULL",
                (run_id,),
            ).rowcount
        return bool(moved)

    # --- dispatching --------------------------------------------------------------------
    def claim_next_queued(self) -> PipelineRun | None:
        """Take the oldest queued run (atomically: two dispatchers never take the same)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id FROM runs WHERE status = 'Queued' ORDER BY created_at, rowid LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE runs SET status = 'Running', claimed_at = ? WHERE id = ?",
                (time.time(), row[0]),
            )
            return self._run(db, row[0])

    def running(self) -> list[tuple[str, int | None, str | None, float | None]]:
        """(run id, runner pid, runner start time, claimed at) of every Running run."""
        with self._connect(write=False) as db:
            rows = db.execute(
                "SELECT id, runner_pid, runner_started, claimed_at FROM runs "
                "WHERE status = 'Running'"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]
