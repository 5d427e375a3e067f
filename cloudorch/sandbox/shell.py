"""The sandbox's built-in shell: what the emulators run when a client execs into a replica.

No host program is ever started: commands are interpreted here, against the replica's environment (the
variables its spec gives it, secrets resolved) and a small read-only view of its filesystem. The subset:

- ``echo [-n] ARG...``, ``printf FORMAT [ARG...]`` (``%s``, ``%d``, ``\\n``), ``cat`` (stdin, or the fake
  files below), ``env`` / ``printenv [NAME]``, ``hostname``, ``pwd``, ``ls [DIR]``, ``true``, ``false``,
  ``exit [N]``, ``sleep N`` (at most 5 s), ``id``;
- ``sh -c SCRIPT`` and ``sh`` reading commands from stdin (a prompt ``$ `` on a terminal); a script is
  commands joined by ``;``, ``&&``, ``||``, with ``'...'`` / ``"..."`` quoting, ``$NAME`` / ``${NAME}``
  and ``$?`` expansion (an unquoted value is one word: no field splitting), ``#`` comments;
- anything else is ``sh: NAME: not found`` with exit code 127 (pipes, redirections and globs are not
  interpreted: ``sh: ...: not supported by the sandbox shell``, exit 2), except ``>&2`` sending a command's
  output to stderr. A program run directly (not
  through ``sh``) that is not a built-in fails to start, as a missing executable does in a container.

Files: ``/etc/hostname``, ``/etc/hosts``, ``/proc/self/environ`` (NUL-separated) and the directories
``/``, ``/etc``, ``/proc``, ``/tmp`` (empty).
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

STDOUT, STDERR = 1, 2
Write = Callable[[int, bytes], None]
BUILTINS = ("echo", "printf", "cat", "env", "printenv", "hostname", "pwd", "ls", "true", "false", "exit", "sleep",
            "id", "sh")


class NotFound(Exception):
    """A program run directly that the sandbox shell does not have."""


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


class Input:
    """The command's stdin: bytes fed by the connection, then end-of-file."""

    def __init__(self):
        import queue

        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._buffer = b""
        self._eof = False

    def feed(self, data: bytes) -> None:
        self._queue.put(data)

    def close(self) -> None:
        self._queue.put(None)

    def _more(self) -> bool:
        if self._eof:
            return False
        data = self._queue.get()
        if data is None:
            self._eof = True
            return False
        self._buffer += data
        return True

    def read(self) -> bytes:
        """What is there (waiting for some), b'' at end-of-file."""
        if not self._buffer:
            self._more()
        data, self._buffer = self._buffer, b""
        return data

    def readline(self) -> bytes | None:
        """One line (with its newline; a carriage return counts as one on a terminal), None at end-of-file."""
        while not re.search(rb"[\r\n]", self._buffer):
            if not self._more():
                data, self._buffer = self._buffer, b""
                return data or None
        match = re.search(rb"[\r\n]", self._buffer)
        line, self._buffer = self._buffer[:match.end()], self._buffer[match.end():]
        return line


@dataclass
class Replica:
    """What a command sees: the environment, the host name and whether it has a terminal."""

    env: Mapping[str, str]
    hostname: str
    tty: bool = False
    files: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self):
        self.files = {"/etc/hostname": f"{self.hostname}\n".encode(),
                      "/etc/hosts": f"127.0.0.1\tlocalhost\n127.0.1.1\t{self.hostname}\n".encode(),
                      "/proc/self/environ": b"".join(f"{k}={v}\0".encode() for k, v in self.env.items()),
                      **self.files}


def run(argv: list[str], replica: Replica, stdin: Input, write: Write) -> int:
    """Run ``argv`` (a program and its arguments, as an exec request names them); returns the exit code.
    Raises :class:`NotFound` when ``argv[0]`` is not a built-in."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name not in BUILTINS:
        raise NotFound(argv[0] if argv else "")
    out = _Output(write, replica.tty)
    try:
        return _Shell(replica, stdin, out).call([name, *argv[1:]])
    except _Exit as done:
        return done.code


class _Output:
    def __init__(self, write: Write, tty: bool):
        self.write, self.tty = write, tty
        self.to_stderr = False  # the command's stdout goes to stderr (>&2)

    def __call__(self, text: str | bytes, stream: int = STDOUT) -> None:
        data = text.encode() if isinstance(text, str) else text
        stream = STDERR if self.to_stderr else stream
        if self.tty:  # a terminal turns newlines into CR LF, and has one stream
            data, stream = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), STDOUT
        if data:
            self.write(stream, data)


def _split(text: str) -> list[tuple[str, str]]:
    """A script's commands and the operator after each (``;``, ``&&``, ``||``), quotes kept; stops at a
    ``#`` comment."""
    parts, quote, start, i = [], "", 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if ch in "'\"" and quote in ("", ch):
            quote = "" if quote else ch
        elif not quote and ch == "#" and (i == 0 or text[i - 1].isspace()):
            break
        elif not quote and (ch in ";\n" or text[i:i + 2] in ("&&", "||")):
            op = ";" if ch in ";\n" else text[i:i + 2]
            parts.append((text[start:i], op))
            i += len(op) if op != ";" else 1
            start = i
            continue
        i += 1
    parts.append((text[start:i], ";"))
    return parts


class _Shell:
    def __init__(self, replica: Replica, stdin: Input, out: _Output):
        self.replica, self.stdin, self.out = replica, stdin, out
        self.status = 0

    # -- scripts -------------------------------------------------------------------------------------
    def script(self, text: str) -> int:
        run_next = True
        for command, operator in _split(text):
            if command.strip() and run_next:
                try:
                    lexer = shlex.shlex(self._expand(command), posix=True, punctuation_chars="&|<>")
                    lexer.whitespace_split = True
                    words = list(lexer)
                except ValueError as exc:
                    self.out(f"sh: syntax error: {exc}\n", STDERR)
                    return 2
                to_stderr = False
                while ">&" in words and words.index(">&") + 1 < len(words) \
                        and words[words.index(">&") + 1] in ("1", "2"):  # >&2 (and >&1): which stream
                    at = words.index(">&")
                    to_stderr = words[at + 1] == "2"
                    del words[at:at + 2]
                special = next((w for w in words if w and set(w) <= set("&|<>")), None)
                if special:
                    self.out(f"sh: {special}: not supported by the sandbox shell\n", STDERR)
                    return 2
                if words:
                    self.out.to_stderr = to_stderr
                    try:
                        self.status = self.call(words)
                    finally:
                        self.out.to_stderr = False
            run_next = operator == ";" or (operator == "&&") == (self.status == 0)
        return self.status

    def _expand(self, text: str) -> str:
        """$NAME, ${NAME} and $? outside single quotes."""
        out, quote, i = [], "", 0
        pattern = re.compile(r"\$(?:\{(\w+)\}|(\w+)|(\?))")
        while i < len(text):
            ch = text[i]
            if ch in "'\"" and quote in ("", ch):
                quote = "" if quote else ch
            elif ch == "$" and quote != "'" and (match := pattern.match(text, i)):
                value = str(self.status) if match.group(3) else self.replica.env.get(match.group(1) or match.group(2),
                                                                                      "")
                out.append(value.replace("\\", "\\\\").replace('"', '\\"') if quote else shlex.quote(value))
                i = match.end()
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    # -- commands ------------------------------------------------------------------------------------
    def call(self, words: list[str]) -> int:
        name, args = words[0].rsplit("/", 1)[-1], words[1:]
        handler = getattr(self, f"_{name}", None) if name in BUILTINS else None
        if handler is None:
            self.out(f"sh: {words[0]}: not found\n", STDERR)
            return 127
        return handler(args)

    def _sh(self, args: list[str]) -> int:
        if args[:1] == ["-c"]:
            return self.script(args[1]) if len(args) > 1 else 2
        if args:
            self.out(f"sh: can't open '{args[0]}': No such file or directory\n", STDERR)
            return 2
        while True:  # commands from stdin
            if self.replica.tty:
                self.out("$ ")
            line = self.stdin.readline()
            if line is None:
                return self.status
            if self.replica.tty:
                self.out(line.replace(b"\r", b"\n"))  # the terminal echoes what is typed
            self.status = self.script(line.decode(errors="replace"))

    def _echo(self, args: list[str]) -> int:
        newline = "\n"
        if args[:1] == ["-n"]:
            args, newline = args[1:], ""
        self.out(" ".join(args) + newline)
        return 0

    def _printf(self, args: list[str]) -> int:
        if not args:
            self.out("printf: usage: printf FORMAT [ARGUMENT]...\n", STDERR)
            return 2
        fmt = args[0].replace("\\n", "\n").replace("\\t", "\t")
        values = iter(args[1:])
        self.out(re.sub(r"%[sd%]", lambda m: "%" if m.group() == "%%" else next(values, ""), fmt))
        return 0

    def _cat(self, args: list[str]) -> int:
        if not args or args == ["-"]:
            while data := self.stdin.read():
                self.out(data)
            return 0
        code = 0
        for path in args:
            if path in self.replica.files:
                self.out(self.replica.files[path])
            else:
                self.out(f"cat: can't open '{path}': No such file or directory\n", STDERR)
                code = 1
        return code

    def _env(self, args: list[str]) -> int:
        if args:
            self.out("env: running a program through env is not supported by the sandbox shell\n", STDERR)
            return 2
        self.out("".join(f"{k}={v}\n" for k, v in self.replica.env.items()))
        return 0

    def _printenv(self, args: list[str]) -> int:
        if not args:
            return self._env([])
        found = [self.replica.env[a] for a in args if a in self.replica.env]
        self.out("".join(f"{v}\n" for v in found))
        return 0 if len(found) == len(args) else 1

    def _hostname(self, args: list[str]) -> int:
        self.out(f"{self.replica.hostname}\n")
        return 0

    def _pwd(self, args: list[str]) -> int:
        self.out("/\n")
        return 0

    def _ls(self, args: list[str]) -> int:
        where = (args[-1] if args and not args[-1].startswith("-") else "/").rstrip("/") or "/"
        dirs = {"/": ["etc", "proc", "tmp"], "/etc": ["hostname", "hosts"], "/proc": ["self"],
                "/proc/self": ["environ"], "/tmp": []}
        if where in self.replica.files:
            self.out(f"{where}\n")
            return 0
        if where not in dirs:
            self.out(f"ls: {where}: No such file or directory\n", STDERR)
            return 1
        self.out("".join(f"{name}\n" for name in dirs[where]))
        return 0

    def _true(self, args: list[str]) -> int:
        return 0

    def _false(self, args: list[str]) -> int:
        return 1

    def _id(self, args: list[str]) -> int:
        self.out("uid=0(root) gid=0(root) groups=0(root)\n")
        return 0

    def _sleep(self, args: list[str]) -> int:
        try:
            time.sleep(min(float(args[0]), 5.0))
        except (IndexError, ValueError):
            self.out("sleep: invalid number\n", STDERR)
            return 1
        return 0

    def _exit(self, args: list[str]) -> int:
        try:
            code = int(args[0]) if args else self.status
        except ValueError:
            self.out(f"sh: exit: Illegal number: {args[0]}\n", STDERR)
            code = 2
        raise _Exit(code & 0xFF)
