"""The emulator runs batch/v1 Jobs and CronJobs like kube-controller-manager: pods to completion with
the container's exit code, backoffLimit, activeDeadlineSeconds, schedules on the emulator's clock,
and the apiserver's refusals, all through the official client over HTTPS."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def batch(api_client):
    from kubernetes import client

    return client.BatchV1Api(api_client)


def job(name: str, script: str, image: str = "busybox:1.36", **spec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "main", "image": image, "command": ["sh", "-c", script]}]}}, **spec}}


def condition(obj: dict, kind: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == kind and c["status"] == "True"), None)


def read(api_client, batch, ns, name):
    return api_client.sanitize_for_serialization(batch.read_namespaced_job(name, ns))


def test_a_job_runs_one_pod_to_completion_with_its_exit_code_and_logs(api_client, batch, core, ns, wait):
    batch.create_namespaced_job(ns, job("ok", "echo 'cleaning up'; exit 0"))
    done = wait(lambda: condition(read(api_client, batch, ns, "ok"), "Complete"))
    assert done["reason"] == "CompletionsReached"
    body = read(api_client, batch, ns, "ok")
    assert body["status"]["succeeded"] == 1 and body["status"]["completionTime"]
    assert body["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"] == body["metadata"]["uid"]
    pods = core.list_namespaced_pod(ns, label_selector="job-name=ok").items
    assert len(pods) == 1 and pods[0].status.phase == "Succeeded"
    terminated = pods[0].status.container_statuses[0].state.terminated
    assert terminated.exit_code == 0 and terminated.reason == "Completed"
    log = core.read_namespaced_pod_log(pods[0].metadata.name, ns)
    assert "cleaning up" in log and "exiting with status 0" in log


def test_a_failing_job_retries_backoff_limit_times_then_fails_with_the_exit_code(api_client, batch, core, ns, wait):
    batch.create_namespaced_job(ns, job("bad", "exit 3", backoffLimit=1))
    failed = wait(lambda: condition(read(api_client, batch, ns, "bad"), "Failed"), timeout=10)
    assert failed["reason"] == "BackoffLimitExceeded"
    assert condition(read(api_client, batch, ns, "bad"), "FailureTarget")
    pods = core.list_namespaced_pod(ns, label_selector="job-name=bad").items
    assert len(pods) == 2 and all(p.status.phase == "Failed" for p in pods)
    assert {p.status.container_statuses[0].state.terminated.exit_code for p in pods} == {3}
    assert read(api_client, batch, ns, "bad")["status"]["failed"] == 2


def test_active_deadline_stops_a_long_run(api_client, batch, core, ns, wait):
    batch.create_namespaced_job(ns, job("slow", "sleep 60", activeDeadlineSeconds=1))
    failed = wait(lambda: condition(read(api_client, batch, ns, "slow"), "Failed"), timeout=10)
    assert failed["reason"] == "DeadlineExceeded"
    assert wait(lambda: not core.list_namespaced_pod(ns, label_selector="job-name=slow").items)


def test_the_apiserver_refuses_what_upstream_refuses(batch, ns):
    from kubernetes.client.exceptions import ApiException

    bad = job("always", "true")
    bad["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    with pytest.raises(ApiException) as refused:
        batch.create_namespaced_job(ns, bad)
    assert refused.value.status == 422 and "restartPolicy" in refused.value.body
    cron = {"metadata": {"name": "c"},
            "spec": {"schedule": "61 * * * *", "jobTemplate": {"spec": job("x", "true")["spec"]}}}
    with pytest.raises(ApiException) as refused:
        batch.create_namespaced_cron_job(ns, cron)
    assert refused.value.status == 422 and "spec.schedule" in refused.value.body
    batch.create_namespaced_job(ns, job("fixed", "true"))
    with pytest.raises(ApiException) as refused:
        batch.patch_namespaced_job("fixed", ns, {"spec": {"template": {"spec": {"containers": [
            {"name": "main", "image": "busybox:1.37"}]}}}})
    assert refused.value.status == 422 and "immutable" in refused.value.body


def test_a_cronjob_creates_jobs_on_its_schedule_as_the_clock_advances(api_client, batch, kube, ns, wait, http):
    cron = {"metadata": {"name": "nightly"}, "spec": {
        "schedule": "0 3 * * *", "concurrencyPolicy": "Forbid",
        "jobTemplate": {"metadata": {"labels": {"team": "shop"}}, "spec": job("x", "echo swept")["spec"]}}}
    batch.create_namespaced_cron_job(ns, cron)
    body = api_client.sanitize_for_serialization(batch.read_namespaced_cron_job("nightly", ns))
    assert body["spec"]["successfulJobsHistoryLimit"] == 3 and body["spec"]["suspend"] is False
    assert not batch.list_namespaced_job(ns).items  # 03:00 has not come yet
    status, _, reply = http("POST", "/_cloudorch/clock", {"advance": 86400})
    assert status == 200 and reply["offset"] >= 86400
    jobs = wait(lambda: batch.list_namespaced_job(ns).items)
    assert len(jobs) == 1 and jobs[0].metadata.owner_references[0].name == "nightly"
    assert jobs[0].metadata.labels["team"] == "shop"
    assert jobs[0].metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert wait(lambda: condition(read(api_client, batch, ns, jobs[0].metadata.name), "Complete"))
    done = wait(lambda: api_client.sanitize_for_serialization(
        batch.read_namespaced_cron_job("nightly", ns)).get("status", {}).get("lastSuccessfulTime"))
    assert done
    status = api_client.sanitize_for_serialization(batch.read_namespaced_cron_job("nightly", ns))["status"]
    assert "T03:00:00" in status["lastScheduleTime"] and "active" not in status


def test_a_suspended_cronjob_never_runs(batch, ns, http, wait):
    batch.create_namespaced_cron_job(ns, {"metadata": {"name": "held"}, "spec": {
        "schedule": "* * * * *", "suspend": True, "jobTemplate": {"spec": job("x", "true")["spec"]}}})
    http("POST", "/_cloudorch/clock", {"advance": 3600})
    import time

    time.sleep(0.3)
    assert not batch.list_namespaced_job(ns).items
