"""The Docker Swarm provider: each spec service a replicated Swarm service on the app's overlay network."""
