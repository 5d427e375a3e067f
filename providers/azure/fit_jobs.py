"""How each job field maps onto Azure Container Instances (``validate -p azure``, ``jobs.<name>.<key>``):
each run a container group with restartPolicy Never (:mod:`cloudorch_providers.azure.live.jobs`); ACI has
no scheduler."""

from __future__ import annotations

from cloudorch.provider import Fit

Verdict = tuple[Fit, str]


def job_fit(name: str, job, key: str) -> Verdict:
    if key == "image":
        return Fit.EXACT, ("`cloudorch run` creates a container group with restartPolicy Never per run; "
                           "nothing is deployed before")
    if key in ("command", "args"):
        return Fit.EXACT, "ACI command = command + args"
    if key in ("env", "resources", "volumes"):
        return Fit.EXACT, "as a service's container"
    if key == "secrets":
        return Fit.EXACT, "secure environment values, read where the settings point at `cloudorch run` time"
    if key == "schedule":
        if job.unscheduled == "on-demand":
            return Fit.UNSUPPORTED, ("ACI has no scheduler: deployed for `cloudorch run` only (unscheduled: "
                                     "on-demand); trigger it from Azure Logic Apps, an Automation schedule or "
                                     "CI with `cloudorch run`, or use Azure Container Apps jobs")
        return Fit.UNSUPPORTED, ("ACI has no scheduler: deploy refuses this job; set `unscheduled: on-demand` and "
                                 "trigger `cloudorch run` from Logic Apps, Automation or CI, or use Azure "
                                 "Container Apps jobs")
    if key == "timeout":
        return Fit.LOSSY, "`cloudorch run --wait` stops the run's container group when the timeout passes"
    if key == "retries":
        return Fit.LOSSY, "`cloudorch run --wait` starts a failed run again (each run is a new group)"
    return Fit.UNSUPPORTED, f"the Azure provider does not know the job field {key!r}"
