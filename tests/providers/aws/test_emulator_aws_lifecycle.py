"""The simulated ECS scheduler, seen through real boto3 over HTTP: deployments, tasks, failures,
events and container logs. Polling loops are bounded; nothing asserts on timing."""

from __future__ import annotations

from emulator_fixtures import (  # noqa: F401 - fixtures
    aws_fixture,
    aws_server_fixture,
    create_service,
    describe,
    network_fixture,
    register,
    steady,
    tasks,
    wait_until,
)


def test_service_goes_from_pending_to_running(aws, network):
    ecs = aws.client("ecs")
    aws.client("logs").create_log_group(logGroupName="/cloudorch/app")
    td = register(ecs, "web", "nginx:1.27.2", "envoy:v1", log_group="/cloudorch/app")
    created = create_service(ecs, network, "web", td, desired=2)
    assert created["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert (created["runningCount"], created["pendingCount"]) == (0, 2)
    assert created["deployments"][0]["platformFamily"] == "Linux"
    first = describe(ecs, "web")
    assert first["runningCount"] + first["pendingCount"] == 2
    assert first["deployments"][0]["taskDefinition"] == td
    service = wait_until(steady(ecs, "web", 2))
    assert service["deployments"][0]["taskDefinition"] == td and service["deployments"][0]["status"] == "PRIMARY"
    messages = [e["message"] for e in service["events"]]
    assert messages[0] == "(service web) has reached a steady state."
    assert any(m.startswith("(service web) has started 2 tasks: (task ") for m in messages)

    running = tasks(ecs, "web")
    assert len(running) == 2
    for task in running:
        assert (task["lastStatus"], task["desiredStatus"], task["taskDefinitionArn"]) == ("RUNNING", "RUNNING", td)
        assert task["startedBy"] == service["deployments"][0]["id"]
        assert task["launchType"] == "FARGATE" and task["cpu"] == "256" and task["memory"] == "512"
        assert [(c["name"], c["image"], c["lastStatus"]) for c in task["containers"]] == [
            ("web", "nginx:1.27.2", "RUNNING"), ("side1", "envoy:v1", "RUNNING")]
        assert task["startedAt"] >= task["createdAt"]
        assert task["attachments"][0]["type"] == "ElasticNetworkInterface"


def test_botocore_waiters_see_a_stable_service(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    ecs.get_waiter("services_stable").wait(cluster="main", services=["web"],
                                           WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    arns = ecs.list_tasks(cluster="main", serviceName="web")["taskArns"]
    ecs.get_waiter("tasks_running").wait(cluster="main", tasks=arns, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def test_health_checks_make_tasks_healthy(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2", health_check=True), 1)
    wait_until(steady(ecs, "web", 1))
    task = tasks(ecs, "web")[0]
    assert task["healthStatus"] == "HEALTHY" and task["containers"][0]["healthStatus"] == "HEALTHY"


def test_scaling_up_and_down(aws, network):
    ecs = aws.client("ecs")
    td = register(ecs, "web", "nginx:1.27.2")
    create_service(ecs, network, "web", td, desired=1)
    wait_until(steady(ecs, "web", 1))
    deployment = describe(ecs, "web")["deployments"][0]["id"]

    reply = ecs.update_service(cluster="main", service="web", desiredCount=3)["service"]
    assert (reply["runningCount"], reply["pendingCount"], reply["deployments"][0]["desiredCount"]) == (1, 2, 3)
    service = describe(ecs, "web")
    assert (service["desiredCount"], service["deployments"][0]["desiredCount"]) == (3, 3)
    assert service["deployments"][0]["taskDefinition"] == td and service["deployments"][0]["id"] == deployment
    assert service["runningCount"] == 1 and service["pendingCount"] == 2  # not moto's runningCount=3
    wait_until(steady(ecs, "web", 3))
    assert len(tasks(ecs, "web")) == 3

    ecs.update_service(cluster="main", service="web", desiredCount=1)
    service = wait_until(steady(ecs, "web", 1))
    assert service["deployments"][0]["id"] == deployment
    assert len(tasks(ecs, "web")) == 1
    stopped = tasks(ecs, "web", "STOPPED")
    assert len(stopped) == 2
    assert {t["stoppedReason"] for t in stopped} == {f"Scaling activity initiated by (deployment {deployment})"}
    assert {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}


def test_new_task_definition_rolls_out(aws, network):
    ecs = aws.client("ecs")
    old = register(ecs, "web", "nginx:1.27.1")
    create_service(ecs, network, "web", old, desired=2)
    wait_until(steady(ecs, "web", 2))
    new = register(ecs, "web", "nginx:1.27.2")

    reply = ecs.update_service(cluster="main", service="web", taskDefinition="web")["service"]  # latest revision
    assert reply["taskDefinition"] == new and [d["taskDefinition"] for d in reply["deployments"]] == [new, old]
    service = describe(ecs, "web")
    assert service["taskDefinition"] == new
    primary, active = service["deployments"]
    assert (primary["status"], primary["taskDefinition"], primary["rolloutState"]) == ("PRIMARY", new, "IN_PROGRESS")
    assert (active["status"], active["taskDefinition"]) == ("ACTIVE", old)
    assert service["runningCount"] == 2  # the old tasks serve until the new ones run

    service = wait_until(steady(ecs, "web", 2))
    assert service["deployments"][0]["taskDefinition"] == new
    assert {t["taskDefinitionArn"] for t in tasks(ecs, "web")} == {new}
    assert {t["taskDefinitionArn"] for t in tasks(ecs, "web", "STOPPED")} == {old}


def test_force_new_deployment_replaces_tasks(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    wait_until(steady(ecs, "web", 1))
    before = {t["taskArn"] for t in tasks(ecs, "web")}
    ecs.update_service(cluster="main", service="web", forceNewDeployment=True)
    wait_until(lambda: steady(ecs, "web", 1)() and {t["taskArn"] for t in tasks(ecs, "web")}.isdisjoint(before))


def test_stopped_task_is_replaced(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=1)
    wait_until(steady(ecs, "web", 1))
    victim = tasks(ecs, "web")[0]["taskArn"]
    ecs.stop_task(cluster="main", task=victim, reason="operator")
    wait_until(lambda: steady(ecs, "web", 1)() and tasks(ecs, "web")[0]["taskArn"] != victim)
    stopped = ecs.describe_tasks(cluster="main", tasks=[victim])["tasks"][0]
    assert (stopped["lastStatus"], stopped["stoppedReason"], stopped["stopCode"]) == (
        "STOPPED", "operator", "UserInitiated")


def test_crashloop_never_runs(aws, network):
    ecs = aws.client("ecs")
    aws.client("logs").create_log_group(logGroupName="/cloudorch/app")
    td = register(ecs, "bad", "example/crashloop:1", log_group="/cloudorch/app")
    create_service(ecs, network, "bad", td, desired=1)
    unstable = "(service bad) is unable to consistently start tasks successfully"
    service = wait_until(lambda: (s := describe(ecs, "bad")) and any(unstable in e["message"] for e in s["events"])
                         and s)
    assert service["runningCount"] == 0
    assert service["deployments"][0]["failedTasks"] >= 2
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert any(e["message"].startswith("(service bad) has started 1 tasks:") for e in service["events"])
    stopped = tasks(ecs, "bad", "STOPPED")
    assert len(stopped) >= 2
    for task in stopped:
        assert (task["lastStatus"], task["desiredStatus"]) == ("STOPPED", "STOPPED")
        assert task["stoppedReason"] == "Essential container in task exited"
        assert task["stopCode"] == "EssentialContainerExited"
        assert (task["containers"][0]["exitCode"], task["containers"][0]["reason"]) == (
            1, "CrashLoop: exited with code 1")
    lines = aws.client("logs").filter_log_events(logGroupName="/cloudorch/app")["events"]
    assert any("exiting with code 1" in e["message"] for e in lines)


def test_image_not_found_fails_to_pull(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "bad", register(ecs, "bad", "example/notfound:1"), desired=1)
    task = wait_until(lambda: tasks(ecs, "bad", "STOPPED"))[0]
    assert task["stoppedReason"].startswith("CannotPullContainerError:")
    assert task["stoppedReason"].endswith("example/notfound:1: not found")
    assert task["stopCode"] == "TaskFailedToStart"
    assert "startedAt" not in task and "exitCode" not in task["containers"][0]
    assert describe(ecs, "bad")["runningCount"] == 0


def test_missing_log_group_fails_the_task_unless_created(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2", log_group="/missing"), desired=1)
    task = wait_until(lambda: tasks(ecs, "web", "STOPPED"))[0]
    assert task["stoppedReason"].startswith("ResourceInitializationError: failed to validate logger args")
    assert "log group does not exist" in task["stoppedReason"]

    td = register(ecs, "api", "nginx:1.27.2", log_group="/created", create_group=True)
    create_service(ecs, network, "api", td, desired=1)
    wait_until(steady(ecs, "api", 1))
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix="/created")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/created"]


def test_running_containers_write_logs(aws, network):
    ecs = aws.client("ecs")
    logs = aws.client("logs")
    logs.create_log_group(logGroupName="/cloudorch/app")
    td = register(ecs, "web", "nginx:1.27.2", "envoy:v1", log_group="/cloudorch/app", prefix="shop")
    create_service(ecs, network, "web", td, desired=1)
    wait_until(steady(ecs, "web", 1))
    task_id = tasks(ecs, "web")[0]["taskArn"].rsplit("/", 1)[-1]
    stream = f"shop/web/{task_id}"

    def enough():
        events = logs.get_log_events(logGroupName="/cloudorch/app", logStreamName=stream,
                                     startFromHead=True)["events"]
        return events if len(events) >= 3 else None

    events = enough_events = wait_until(enough)
    assert events[0]["message"] == "web: started (nginx:1.27.2)"
    assert "GET / 200 (web, nginx:1.27.2)" in [e["message"] for e in enough_events]
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    streams = {s["logStreamName"] for s in logs.describe_log_streams(logGroupName="/cloudorch/app")["logStreams"]}
    assert streams == {stream, f"shop/side1/{task_id}"}
    found = logs.filter_log_events(logGroupName="/cloudorch/app", logStreamNamePrefix="shop/side1/",
                                   filterPattern="envoy")["events"]
    assert found and all(e["message"] == "GET / 200 (side1, envoy:v1)" for e in found[1:])


def test_circuit_breaker_rolls_back(aws, network):
    ecs = aws.client("ecs")
    good = register(ecs, "web", "nginx:1.27.2")
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
               "maximumPercent": 200, "minimumHealthyPercent": 100}
    create_service(ecs, network, "web", good, desired=1, deploymentConfiguration=breaker)
    wait_until(steady(ecs, "web", 1))
    register(ecs, "web", "example/crashloop:2")
    ecs.update_service(cluster="main", service="web", taskDefinition="web")

    failed = "deployment failed: tasks failed to start."
    service = wait_until(lambda: (s := describe(ecs, "web")) and any(failed in e["message"] for e in s["events"])
                         and s)
    assert service["runningCount"] >= 1  # the old task kept serving
    service = wait_until(steady(ecs, "web", 1))
    assert service["taskDefinition"] == good
    assert {t["taskDefinitionArn"] for t in tasks(ecs, "web")} == {good}


def test_deleted_service_stops_its_tasks(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2"), desired=2)
    wait_until(steady(ecs, "web", 2))
    ecs.delete_service(cluster="main", service="web", force=True)
    stopped = wait_until(lambda: len(tasks(ecs, "web", "STOPPED")) == 2 and tasks(ecs, "web", "STOPPED"))
    assert tasks(ecs, "web") == []
    assert {t["lastStatus"] for t in stopped} == {"STOPPED"}


def test_crashing_sidecar_does_not_stop_the_task(aws, network):
    ecs = aws.client("ecs")
    create_service(ecs, network, "web", register(ecs, "web", "nginx:1.27.2", "example/crashloop:1"), desired=1)
    wait_until(steady(ecs, "web", 1))
    web, side = tasks(ecs, "web")[0]["containers"]
    assert (web["lastStatus"], side["lastStatus"], side["exitCode"]) == ("RUNNING", "STOPPED", 1)
    assert tasks(ecs, "web", "STOPPED") == []
