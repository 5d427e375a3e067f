"""How a run-to-completion container behaves in the emulators, which run no process: read from its
image and command, the same stand-ins on every provider's emulator.

- an image containing ``notfound`` never pulls;
- an image containing ``crashloop`` exits with status 1;
- otherwise the last ``exit N`` in the command (``sh -c "...; exit 3"``) is the exit status (0 without);
- ``sleep N`` in the command makes the container run N seconds (else the emulator's default);
- each ``echo TEXT`` in the command is a line of its output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXIT = re.compile(r"\bexit\s+(\d+)")
_SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)")
_ECHO = re.compile(r"""\becho\s+(?:"([^"]*)"|'([^']*)'|([^;&|]*))""")


@dataclass(frozen=True)
class Behaviour:
    exit_code: int
    seconds: float
    echoes: tuple[str, ...]
    pulls: bool = True


def behaviour(image: str, argv: list[str], default_seconds: float) -> Behaviour:
    """How a container of ``image`` running ``argv`` (entry point + arguments) behaves."""
    text = " ".join(str(a) for a in argv)
    codes = _EXIT.findall(text)
    code = 1 if "crashloop" in image else int(codes[-1]) % 256 if codes else 0
    sleeps = _SLEEP.findall(text)
    seconds = float(sleeps[-1]) if sleeps else default_seconds
    echoes = tuple((m.group(1) or m.group(2) or m.group(3) or "").strip() for m in _ECHO.finditer(text))
    return Behaviour(code, seconds, echoes, "notfound" not in image)
