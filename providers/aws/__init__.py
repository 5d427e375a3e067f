"""The AWS provider: the app spec on Amazon ECS (see ``provider.AWSProvider``)."""
