"""The swarm provider's live operations (the docker SDK is imported inside them)."""
