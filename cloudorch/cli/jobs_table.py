"""The jobs table under ``status``: each job, its schedule, whether it is deployed, and its last run."""

from __future__ import annotations

from cloudorch.runs import JobStatus, RunState

RUN_STYLE = {RunState.SUCCEEDED: "green", RunState.FAILED: "red", RunState.RUNNING: "yellow",
             RunState.PENDING: "yellow"}


def jobs_table(jobs: list[JobStatus], wide: bool = False):
    from cloudorch.cli.render_table import cell, table

    t = table("jobs", ["job", "schedule", "deployed", "last run", ("message", {"no_wrap": wide})], wide)
    for job in jobs:
        run = job.last_run
        t.add_row(cell(job.name), cell(job.schedule or "on demand"), cell("yes" if job.deployed else "no"),
                  cell(run.summary() if run else "never", RUN_STYLE.get(run.state, "") if run else ""),
                  cell(job.message))
    return t
