"""What an AWS plan shows of a changed resource: the (desired, live) documents its values are diffed
from by the core (:func:`cloudorch.diff.field_diffs`), and the keys the plan compares."""

from __future__ import annotations

from typing import Any

from cloudorch_providers.aws.live.state import ecs_tags

#: container keys we set; when the spec drops one, the live value must go too
MANAGED_CONTAINER_KEYS = ("entryPoint", "command", "environment", "secrets", "portMappings", "healthCheck",
                          "mountPoints", "user", "readonlyRootFilesystem", "linuxParameters",
                          "repositoryCredentials", "restartPolicy")
TASK_KEYS = ("cpu", "memory", "networkMode", "requiresCompatibilities", "executionRoleArn", "taskRoleArn",
             "volumes")
def task_definition_documents(desired: dict[str, Any], live: dict[str, Any]) -> tuple[dict, dict]:
    """The (desired, live) pair a plan shows a task definition's changed values from: the fields
    compared above, containers by name, tags as a mapping."""
    want: dict[str, Any] = {k: desired.get(k) for k in TASK_KEYS}
    want.update({k: v for k, v in desired.items() if k not in ("family", "tags", "containerDefinitions")})
    want["containerDefinitions"] = [{k: None for k in MANAGED_CONTAINER_KEYS} | c
                                    for c in desired["containerDefinitions"]]
    want["tags"] = dict(tag_pairs(desired.get("tags", [])))
    return want, dict(live, tags=dict(tag_pairs(live.get("tags", []))))


def images(definition: dict[str, Any] | None) -> dict[str, str] | None:
    return {c["name"]: c.get("image") for c in definition["containerDefinitions"]} if definition else None


def service_documents(desired: dict[str, Any], live: dict[str, Any], fields: list[str], latest: str | None,
                      registering: bool, definitions: tuple[dict | None, dict | None] = (None, None)
                      ) -> tuple[dict, dict]:
    """The (desired, live) pair of a service's changed fields; task definitions as ``family:revision``,
    with their containers' images (``definitions``: the desired one and the one the service runs)."""
    want = {f: desired.get(f) for f in fields if f not in ("taskDefinition", "tags")}
    have = {f: live.get(f) for f in want}
    if "taskDefinition" in fields:
        have["taskDefinition"] = (live.get("taskDefinition") or "").rsplit("/", 1)[-1] or None
        want["taskDefinition"] = (f"{desired['taskDefinition']}:(the revision this deploy registers)" if registering
                                  else (latest or desired["taskDefinition"]).rsplit("/", 1)[-1])
        want["images"], have["images"] = images(definitions[0]), images(definitions[1])
    if "tags" in fields:
        want["tags"] = {t["key"]: t["value"] for t in desired["tags"]}
        have["tags"] = ecs_tags(live)
    return want, have


def tag_pairs(tags: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((t["key"], t["value"]) for t in tags)
