"""The sandbox's built-in shell: the documented subset, exit codes, quoting and expansion, stdin, a
terminal's line ends, and that nothing else runs."""

from __future__ import annotations

import pytest

from cloudorch.sandbox.shell import STDERR, STDOUT, Input, NotFound, Replica, run


def shell(argv, env=None, stdin=b"", tty=False):
    out: list[tuple[int, bytes]] = []
    given = Input()
    if stdin:
        given.feed(stdin)
    given.close()
    code = run(argv, Replica(env or {}, "pod-1", tty=tty), given, lambda s, d: out.append((s, d)))
    return code, b"".join(d for s, d in out if s == STDOUT), b"".join(d for s, d in out if s == STDERR)


def test_builtins_and_exit_codes():
    assert shell(["echo", "a", "b"]) == (0, b"a b\n", b"")
    assert shell(["sh", "-c", "exit 42"])[0] == 42
    assert shell(["false"])[0] == 1
    assert shell(["hostname"])[1] == b"pod-1\n"
    assert shell(["printf", "%s-%d\\n", "x", "3"])[1] == b"x-3\n"
    assert shell(["cat", "/etc/hostname"])[1] == b"pod-1\n"
    assert shell(["cat", "/nope"])[0] == 1
    assert shell(["ls", "/etc"])[1] == b"hostname\nhosts\n"


def test_operators_quotes_and_expansion_per_command():
    env = {"A": "x y", "Q": 'say "hi"'}
    code, out, err = shell(["sh", "-c", 'echo $A; echo "$Q" && false || echo fell; nope; echo rc=$? # end'], env)
    assert (code, out) == (0, b'x y\nsay "hi"\nfell\nrc=127\n')
    assert err == b"sh: nope: not found\n"
    assert shell(["sh", "-c", "echo 'a;b' \"$A\" '$A'"], env)[1] == b"a;b x y $A\n"
    assert shell(["sh", "-c", "echo to-err >&2"]) == (0, b"", b"to-err\n")


def test_unsupported_syntax_is_refused():
    code, _, err = shell(["sh", "-c", "echo a | cat"])
    assert code == 2 and err == b"sh: |: not supported by the sandbox shell\n"
    assert shell(["sh", "-c", "echo > /tmp/x"])[0] == 2


def test_environment_and_stdin():
    env = {"TOKEN": "s3cret", "MODE": "a"}
    assert shell(["env"], env)[1] == b"TOKEN=s3cret\nMODE=a\n"
    assert shell(["printenv", "TOKEN"], env)[1] == b"s3cret\n"
    assert shell(["printenv", "NOPE"], env)[0] == 1
    assert shell(["cat"], stdin=b"\x00binary\xff")[1] == b"\x00binary\xff"
    code, out, _ = shell(["sh"], stdin=b"echo one\nexit 3\necho never\n")
    assert (code, out) == (3, b"one\n")


def test_a_terminal_prompts_echoes_and_ends_lines_with_crlf():
    code, out, err = shell(["sh"], stdin=b"echo hi >&2\rexit 0\r", tty=True)
    assert code == 0 and err == b""  # a terminal has one stream
    assert out == b"$ echo hi >&2\r\nhi\r\n$ exit 0\r\n"


def test_programs_that_are_not_builtins_never_run():
    with pytest.raises(NotFound):
        shell(["bash"])
    with pytest.raises(NotFound):
        shell(["/usr/bin/python3", "-c", "print(1)"])
    assert shell(["sh", "-c", "rm -rf /"])[0] == 127
