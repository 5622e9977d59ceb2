"""What the pipeline machinery itself costs, with a one-step pipeline that does nothing.

Run:  python benchmarks/pipeline_overhead.py [--runs 100] [--max-concurrent-runs 2]

1. Trigger latency: a POST to the published endpoint until the answer with the run id
   (authentication, parameter checks, one SQLite insert), p50/p95 over `--runs` POSTs.
2. Turnaround: from the POST to the run's Completed state — queueing, starting a runner
   process (a Python interpreter importing the package), the step, the bookkeeping. The
   fastest is the machinery alone; the median includes waiting for a free slot.
3. Throughput: runs completed per minute with `--max-concurrent-runs` runners at once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
from _machine import print_machine

from bankmarketing_ops import Pipeline, PipelinePublisher, PipelineStep, Workspace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--max-concurrent-runs", type=int, default=2)
    args = parser.parse_args()
    print_machine()
    # The runners import the step from this directory.
    here = str(Path(__file__).resolve().parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, here)
    workspace = Workspace.local(tempfile.mkdtemp(prefix="bankops-bench-"))
    publisher = PipelinePublisher(workspace)
    publisher.start_server(max_concurrent_runs=args.max_concurrent_runs)
    pipeline = Pipeline(
        name="noop", steps=(PipelineStep(name="noop", function="_pipeline_steps:noop"),)
    )
    published = publisher.publish(pipeline)
    headers = {"Authorization": f"Bearer {publisher.token()}"}
    body = {"ExperimentName": "bench", "ParameterAssignments": {}}
    try:
        latencies, sent = [], {}
        started = time.perf_counter()
        with httpx.Client(headers=headers) as client:
            for _ in range(args.runs):
                begin = time.perf_counter()
                response = client.post(published.endpoint, json=body)
                latencies.append(time.perf_counter() - begin)
                response.raise_for_status()
                sent[response.json()["Id"]] = datetime.now().astimezone()
        while True:
            runs = publisher.list_runs(limit=args.runs)
            if all(run.done for run in runs):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        assert all(run.status == "Completed" for run in runs), [r.error for r in runs]
        turnaround = [
            (datetime.fromisoformat(run.finished_at or "") - sent[run.id]).total_seconds()
            for run in runs
        ]
        latencies.sort()
        print(f"runs: {args.runs}, max concurrent runs: {args.max_concurrent_runs}")
        print(
            f"trigger latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {latencies[int(0.95 * len(latencies))] * 1000:.1f} ms"
        )
        print(
            f"turnaround POST → Completed: fastest {min(turnaround):.2f} s "
            f"(an idle slot), median {statistics.median(turnaround):.2f} s (with queueing)"
        )
        print(f"runs completed per minute: {len(runs) / elapsed * 60:.0f}")
    finally:
        publisher.stop_server()


if __name__ == "__main__":
    main()
