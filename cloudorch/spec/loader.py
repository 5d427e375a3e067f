"""Loading a spec file: strict YAML -> interpolation -> pydantic -> semantic checks, with every
problem reported as ``FILE:LINE:COL: field.path: message``, all at once."""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cloudorch.errors import SpecError, SpecIssue
from cloudorch.spec.checks import semantic_issues
from cloudorch.spec.merge import environment_names, merge_files
from cloudorch.spec.models import DNS_LABEL, ENV_NAME, LABEL_KEY, LABEL_VALUE, App
from cloudorch.spec.yamlsafe import YAML11_BOOLS, Located, YamlProblem, make_interpolator, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass
class Spec:
    """A validated app spec with the positions of its values, for precise error messages.
    ``path`` names the file(s) it was read from; ``located`` knows the file of every value."""

    app: App
    path: str
    located: Located
    environment: str | None = None
    #: the files merged, in order (one for a single-file spec)
    files: tuple[str, ...] = ()

    @property
    def file_options(self) -> str:
        """The options that read this spec again: ``-f A -f B [--env NAME]`` (for commands that a
        message tells the user to run)."""
        files = " ".join(f"-f {f}" for f in (self.files or (self.path,)))
        return files + (f" --env {self.environment}" if self.environment else "")

    def issue(self, path: Iterable[str | int], message: str, key: bool = False) -> SpecIssue:
        """A problem at ``path``: its value's file and position, or its key's with ``key=True``."""
        file, line, col = self.located.where(tuple(path), key=key)
        return SpecIssue(file, line, col, ".".join(map(str, path)), message)

    def provider_block(self, provider: str) -> dict[str, Any]:
        return dict(self.app.providers.get(provider) or {})

    def settings(self, provider: str, model: type[M], overrides: Mapping[str, Any] | None = None) -> M:
        """Validate the ``providers.<provider>`` block with the provider's own settings model;
        ``overrides`` (flags, env) win over the file."""
        raw = self.provider_block(provider)
        raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise SpecError(_pydantic_issues(exc, self.located, model, ("providers", provider))) from None


SpecPaths = str | os.PathLike | Sequence[str | os.PathLike]
SettingsLookup = Callable[[str], "type[BaseModel] | None"]


def load_spec(path: SpecPaths, env: Mapping[str, str] | None = None,
              providers: Iterable[str] | None = None, settings: SettingsLookup | None = None,
              environment: str | None = None) -> Spec:
    """Read, interpolate, merge and validate a spec from one file or several (merged in order, see
    :mod:`cloudorch.spec.merge`). ``environment`` (default: ``$CLOUDORCH_ENV``) picks one of the
    spec's ``environments``. ``providers`` (installed provider names), when given, makes an unknown
    key under ``providers:`` an error; ``settings`` (name -> the provider's settings model) checks
    each provider block the spec has."""
    env = os.environ if env is None else env
    paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    documents = [_read(str(p), env) for p in paths]
    return _finish(documents, " + ".join(map(str, paths)), env, providers, settings, environment)


def _read(name: str, env: Mapping[str, str]) -> Located:
    try:
        raw = Path(name).read_bytes()
    except FileNotFoundError:
        raise SpecError([SpecIssue(name, 0, 0, "", "no such file; pass -f FILE or create cloudorch.yaml")]) from None
    except OSError as exc:
        raise SpecError([SpecIssue(name, 0, 0, "", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise SpecError([SpecIssue(name, line, col, "", f"not UTF-8 text (byte {exc.start} is "
                                                        f"0x{raw[exc.start]:02x}); save the file as UTF-8")]) from None
    return _parse(text, name, env)


def _parse(text: str, name: str, env: Mapping[str, str]) -> Located:
    try:
        located = read_yaml(text, make_interpolator(env))
    except YamlProblem as exc:
        raise SpecError([SpecIssue(name, exc.line, exc.col, _dotted(exc.path), exc.message)]) from None
    located.file = name
    if not isinstance(located.data, dict):
        raise SpecError([SpecIssue(name, 1, 1, "", "the spec must be a mapping (version, name, services...)")])
    _keep_source_text(located)
    return located


def parse_spec(text: str, name: str = "<spec>", env: Mapping[str, str] | None = None,
               providers: Iterable[str] | None = None, settings: SettingsLookup | None = None,
               environment: str | None = None) -> Spec:
    env = os.environ if env is None else env
    return _finish([_parse(text, name, env)], name, env, providers, settings, environment)


def _finish(documents: list[Located], name: str, env: Mapping[str, str], providers: Iterable[str] | None,
            settings: SettingsLookup | None, environment: str | None) -> Spec:
    """Every problem is reported in one run: type errors, and the cross-field checks on every
    service the type errors left intact."""
    chosen = environment if environment is not None else (env.get("CLOUDORCH_ENV") or None)
    for doc in documents:
        envs = doc.data.get("environments")
        if envs is not None and not (isinstance(envs, dict) and all(isinstance(v, dict) for v in envs.values())):
            file, line, col = doc.where(("environments",))
            raise SpecError([SpecIssue(file, line, col, "environments",
                                       "must map environment names to overlays (prod: {services: ...})")])
    offered = environment_names(documents)
    if chosen is not None and chosen not in offered:
        how = " (chosen with --env or CLOUDORCH_ENV)"
        if not offered:
            raise SpecError([SpecIssue(name, 0, 0, "", f"no environment {chosen!r}: the spec has no "
                                                       f"environments: block{how}")])
        doc = next(d for d in reversed(documents) if "environments" in d.data)
        file, line, col = doc.where(("environments",), key=True)
        raise SpecError([SpecIssue(file, line, col, "environments",
                                   f"no environment {chosen!r}{_did_you_mean(chosen, offered)}; "
                                   f"the spec defines {', '.join(offered)}{how}")])
    located = merge_files(documents, chosen)
    issues: list[SpecIssue] = []
    broken: set[str] = set()
    spec: Spec | None = None
    try:
        app: App | None = App.model_validate(located.data)
    except ValidationError as exc:
        issues = _pydantic_issues(exc, located, App, ())
        app, broken = _intact_part(located.data, exc)
    if app is not None:
        spec = Spec(app, name, located, chosen, tuple(d.file for d in documents))
        issues += [spec.issue(path, message) for path, message in semantic_issues(app, ignore=broken)]
    blocks = located.data.get("providers")
    blocks = blocks if isinstance(blocks, dict) else {}
    if providers is not None:
        known = sorted(providers)
        for key in blocks:
            if key not in known:
                file, line, col = located.where(("providers", key), key=True)
                issues.append(SpecIssue(file, line, col, f"providers.{key}",
                                        f"unknown provider {key!r}{_did_you_mean(key, known)}"
                                        f" (installed: {', '.join(known)})"))
    if settings is not None:
        issues += _settings_issues(blocks, settings, located)
    if issues:
        raise SpecError(sorted(issues, key=_order(located)))
    assert spec is not None  # no issues: the whole app validated
    return spec


def _intact_part(data: dict, exc: ValidationError) -> tuple[App | None, set[str]]:
    """The app without the services (and top-level values) that failed validation, so the
    cross-field checks can run on the rest; and the names of the services left out."""
    broken: set[str] = set()
    top: set[str] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if len(loc) >= 2 and loc[0] == "services" and isinstance(data.get("services"), dict):
            broken.add(str(loc[1]))
        elif loc:
            top.add(str(loc[0]))
    if "services" in top:
        return None, broken
    placeholders = {"version": 1, "name": "app", "labels": {}, "providers": {}}
    rest = {k: v for k, v in data.items() if k in App.model_fields}
    rest.update({k: placeholders[k] for k in top if k in placeholders})
    rest["services"] = {k: v for k, v in data["services"].items() if k not in broken}
    try:
        return App.model_validate(rest), broken
    except ValidationError:
        return None, broken


def _settings_issues(blocks: dict, settings: SettingsLookup, located: Located) -> list[SpecIssue]:
    """Each provider block checked with its provider's settings model: unknown keys and wrong
    types (a missing required setting may still come from a flag or the environment)."""
    issues = []
    for key, block in blocks.items():
        model = settings(key)
        if model is None:
            continue
        if not isinstance(block, dict):
            continue  # the app model reports it
        try:
            model.model_validate(block)
        except ValidationError as exc:
            issues += [i for i in _pydantic_issues(exc, located, model, ("providers", key))
                       if not i.message.startswith("required key")]
    return issues


def _keep_source_text(located: Located) -> None:
    """Env values are strings: a plain ``1.10``, ``1e3`` or ``True`` there keeps the text as written
    (YAML would make them 1.1, 1000.0 and true), in the spec and in its ``environments`` overlays."""
    for path, text in located.sources.items():
        within = path[2:] if path[:1] == ("environments",) else path
        if len(within) >= 4 and within[-2] == "env" and within[0] == "services":
            parent = located.data
            for part in path[:-1]:
                parent = parent[part] if isinstance(parent, dict | list) else None
            if isinstance(parent, dict):
                parent[path[-1]] = text


def _order(located: Located):
    """Issues in reading order: the first file's by position, then the other files'."""
    return lambda i: (i.file, i.line, i.col) if i.file != located.file else ("", i.line, i.col)


def _dotted(path: Iterable[str | int]) -> str:
    return ".".join(map(str, path))


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _pydantic_issues(exc: ValidationError, located: Located, model: type[BaseModel],
                     prefix: tuple) -> list[SpecIssue]:
    issues = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        is_key = bool(loc) and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        path = prefix + loc
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            message = f"unknown key {loc[-1]!r}{_did_you_mean(str(loc[-1]), allowed)}"
            name, line, col = located.where(path, key=True)
        elif kind == "missing":
            message = f"required key {loc[-1]!r} is missing"
            name, line, col = located.where(path[:-1])
        else:
            message = _message(err)
            name, line, col = located.where(path, key=is_key)
            if is_key:
                message = message.replace("is not allowed here", "is not allowed as a name")
        issues.append(SpecIssue(name, line, col, _dotted(path), message))
    # a misspelt key reads as "unknown 'imge'" plus "'image' is missing": keep only the first
    suggested = {(_parent(i.field), i.message.split("did you mean ")[1].strip("'?"))
                 for i in issues if "did you mean " in i.message}
    issues = [i for i in issues if not (i.message.startswith("required key")
                                        and (_parent(i.field), i.field.rsplit(".", 1)[-1]) in suggested)]
    issues.sort(key=_order(located))
    return issues


_PATTERNS = {
    DNS_LABEL: "use lowercase letters, digits and '-', starting with a letter and not ending with '-'",
    ENV_NAME: "use letters, digits and '_', not starting with a digit",
    LABEL_KEY: "use letters, digits, '-', '_' and '.', optionally after a DNS prefix and '/'",
    LABEL_VALUE: "use at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric",
    "^/": "use an absolute path",
    r"^/\S*$": "use a path starting with '/', without spaces",
}


def _parent(field: str) -> str:
    return field.rsplit(".", 1)[0] if "." in field else ""


def _message(err: dict) -> str:
    msg: str = err["msg"]
    kind = err["type"]
    value = err.get("input")
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        hint = _PATTERNS.get(pattern, f"must match {pattern}")
        return f"{value!r} is not allowed here; {hint}"
    if kind == "too_short" and isinstance(value, dict | list):
        return "must not be empty"
    if kind == "literal_error" and tuple(err["loc"]) == ("version",):
        return f"unsupported spec version {value!r}; this cloudorch reads version 1"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return f"{msg}, got {value!r}"
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    if msg.startswith("Assertion failed, "):
        return msg[len("Assertion failed, "):]
    if kind.endswith("_type") or kind in ("literal_error", "int_from_float", "enum"):
        if isinstance(value, str) and value.lower() in YAML11_BOOLS and kind == "bool_type":
            return f"{msg}, got the string {value!r}; write true or false"
        if isinstance(value, str):
            return f"{msg}, got the string {value!r}"
        if isinstance(value, dict | list):
            return f"{msg}, got a {'mapping' if isinstance(value, dict) else 'list'}"
        return f"{msg}, got {value!r}"
    return msg


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Names of the keys the model allows at ``loc`` (for did-you-mean)."""
    node: Any = model
    for part in loc:
        node = _step(node, part)
        if node is None:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = models[0] if models else args[0]
        else:
            return tp


def _step(node: Any, part: str | int) -> Any:
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        field = node.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(node)
    if origin is dict:
        return typing.get_args(node)[1]
    if origin is list:
        return typing.get_args(node)[0]
    return None
