"""The AWS provider's live half: boto3 clients, reading the live app, planning, applying, status
and logs. Everything here imports boto3 lazily (inside functions), via :mod:`.clients`."""
