"""The app spec: models, strict loading, semantic checks."""

from cloudorch.spec.loader import Spec, load_spec, parse_spec
from cloudorch.spec.models import App, Service

__all__ = ["App", "Service", "Spec", "load_spec", "parse_spec"]
