"""What every provider shares: ordering, concurrency, waiting and deadlines around the
provider's primitives (plan, apply, status, scale, autoscale, logs, destroy_plan)."""

from cloudorch.engine.deploy import DeployFailed, DeployResult, deploy
from cloudorch.engine.destroy import destroy
from cloudorch.engine.history import rollback, service_history
from cloudorch.engine.logs import follow_logs, read_logs
from cloudorch.engine.operate import set_autoscale, set_replicas
from cloudorch.engine.wait import NotHealthy, wait_healthy

__all__ = ["DeployFailed", "DeployResult", "NotHealthy", "deploy", "destroy", "follow_logs", "read_logs",
           "rollback", "service_history", "set_autoscale", "set_replicas", "wait_healthy"]
