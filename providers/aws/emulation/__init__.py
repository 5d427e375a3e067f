"""Pieces of the AWS emulator (see ``cloudorch_providers.aws.emulator``); imported only when it runs.

- ``wire``          service / action / protocol of a request, AWS error bodies
- ``ecs_requests``  request fixes where moto 5.2 crashes on or drops ECS parameters
- ``elb_requests``  Elastic Load Balancing requests ELBv2 refuses and moto accepts (health check and
                    listener protocols)
- ``tasks``         moto ``Task`` subclass for service tasks, container states, image-driven failures
- ``lifecycle``     the simulated ECS service scheduler (deployments, tasks, events, circuit breaker)
- ``logs``          container log lines into moto's CloudWatch Logs backend
"""
