"""The errors cloudorch reports to users. Each renders as one line (per problem) that names the
file:line or the resource and what to do; the CLI prints them without a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class CloudorchError(Exception):
    """Base of every error meant for the user. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


@dataclass(frozen=True)
class SpecIssue:
    file: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class SpecError(CloudorchError):
    """The spec is invalid. Holds every problem found, in file order."""

    exit_code = 2

    def __init__(self, issues: list[SpecIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(map(str, self.issues)))

    def lines(self) -> list[str]:
        return [str(i) for i in self.issues]


class UsageError(CloudorchError):
    """A command was called wrongly (unknown provider, bad flag value...)."""

    exit_code = 2


class ProviderUnavailable(CloudorchError):
    """A provider's SDK is not installed."""

    exit_code = 2


class ProviderError(CloudorchError):
    """A cloud call failed; the message names the resource and what to do."""

    exit_code = 1


class Unsupported(CloudorchError):
    """The provider cannot do what was asked (a capability it lacks)."""

    exit_code = 2


class SecretsMissing(CloudorchError):
    """Secrets the services need are not where the provider reads them: those services cannot
    start (exit 4, like any service that cannot become healthy). Each line names the secret, the
    services that use it and the fix."""

    exit_code = 4

    def __init__(self, missing):
        self.missing = list(missing)
        super().__init__("; ".join(map(str, self.missing)))

    def lines(self) -> list[str]:
        return [str(m) for m in self.missing]
