"""How each job field maps onto Docker Swarm (``validate -p swarm``, ``jobs.<name>.<key>``): each run a
replicated-job service (:mod:`cloudorch_providers.swarm.live.jobs`); Swarm has no scheduler."""

from __future__ import annotations

from cloudorch.provider import Fit

Verdict = tuple[Fit, str]


def job_fit(name: str, job, key: str) -> Verdict:
    if key == "image":
        return Fit.EXACT, ("`cloudorch run` creates a replicated-job service (MaxConcurrent 1, TotalCompletions 1) "
                           "per run; nothing is deployed before")
    if key in ("command", "args", "env", "secrets", "resources", "volumes"):
        return Fit.EXACT, "as a service's container (ContainerSpec, Resources.Limits, Docker secrets, scratch volumes)"
    if key == "schedule":
        if job.unscheduled == "on-demand":
            return Fit.UNSUPPORTED, ("Swarm has no job scheduler: deployed for `cloudorch run` only "
                                     "(unscheduled: on-demand); trigger it from cron or CI with `cloudorch run`")
        return Fit.UNSUPPORTED, ("Swarm has no job scheduler: deploy refuses this job; set `unscheduled: "
                                 "on-demand` and trigger `cloudorch run` from cron or CI")
    if key == "timeout":
        return Fit.LOSSY, "`cloudorch run --wait` removes the run's service when the timeout passes"
    if key == "retries":
        return Fit.LOSSY, "`cloudorch run --wait` starts a failed run again (the run's RestartPolicy is none)"
    return Fit.UNSUPPORTED, f"the Swarm provider does not know the job field {key!r}"
