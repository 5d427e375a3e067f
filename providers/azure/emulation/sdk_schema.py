"""A PUT body checked against the Azure SDK's own models (azure-mgmt-network, azure-mgmt-privatedns).

These SDKs' models (generated from the REST API specification) know every property's wire name and
type. :func:`check_body` walks a JSON body against a model class: a property the model does not
know, or a value of the wrong JSON type, is refused as ARM refuses a body it cannot deserialise
(``InvalidRequestContent``); read-only properties are accepted and ignored, as ARM does. Enum
values are left to the semantic checks (the APIs' enums are extensible strings).
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import MutableMapping
from typing import Any

from cloudorch_providers.azure.emulation.arm import invalid_content


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """wire name -> (type hint, read-only) of a generated model class."""
    module = sys.modules[cls.__module__]
    package = sys.modules[cls.__module__.rsplit(".", 1)[0]]
    hints = typing.get_type_hints(cls, globalns={**vars(module), "_models": package})
    fields = cls({})._attr_to_rest_field  # noqa: SLF001 - the generated models' field table
    return {f._rest_name: (hints.get(attr), f._visibility == ["read"]) for attr, f in fields.items()}  # noqa: SLF001


def _is_model(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, MutableMapping) and hasattr(hint, "_is_model")


def _unwrap(hint: Any) -> Any:
    """``Optional[X]`` -> X; ``Union[str, SomeEnum]`` -> str."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if any(a is str for a in args):
            return str
        return _unwrap(args[0]) if len(args) == 1 else hint
    return hint


def _wrong(path: str, expected: str) -> Exception:
    return invalid_content(
        f"The request content was invalid and could not be deserialized: 'Property '{path}' must be {expected}.'")


def check_value(hint: Any, value: Any, path: str) -> None:
    hint = _unwrap(hint)
    if value is None or hint is None or hint is Any:
        return
    origin = typing.get_origin(hint)
    if origin is list:
        if not isinstance(value, list):
            raise _wrong(path, "an array")
        (item,) = typing.get_args(hint) or (Any,)
        for index, element in enumerate(value):
            check_value(item, element, f"{path}[{index}]")
    elif origin is dict:
        if not isinstance(value, dict):
            raise _wrong(path, "an object")
        _, item = typing.get_args(hint) or (str, Any)
        for key, element in value.items():
            check_value(item, element, f"{path}.{key}")
    elif _is_model(hint):
        check_body(hint, value, path)
    elif hint is bool:
        if not isinstance(value, bool):
            raise _wrong(path, "a boolean")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(path, "an integer")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(path, "a number")
    elif hint is str and not isinstance(value, str):
        raise _wrong(path, "a string")


def check_body(cls: type, body: Any, path: str = "body") -> None:
    """Raise ``InvalidRequestContent`` unless ``body`` deserialises into model ``cls`` property by property."""
    if not isinstance(body, dict):
        raise _wrong(path, "an object")
    fields = _fields(cls)
    for key, value in body.items():
        if key not in fields:
            raise invalid_content(
                f"The request content was invalid and could not be deserialized: 'Could not find member '{key}' on "
                f"object of type '{cls.__name__}'. Path '{path}.{key}'.'")
        hint, read_only = fields[key]
        if not read_only:
            check_value(hint, value, f"{path}.{key}")
