"""A local image without any registry: the host's static busybox as ``/bin/busybox`` plus applet
links, imported into an engine (``docker import`` of a tarball). busybox has ``sh``, ``httpd``, ``nc``
and ``wget``, which is enough for a web server, a relay, and the http/tcp health probes.

Debian and Ubuntu ship the binary as ``busybox-static`` (``/bin/busybox``).
"""

from __future__ import annotations

import io
import shutil
import struct
import tarfile
from pathlib import Path

BUSYBOX_TAG = "cloudorch/busybox:local"
APPLETS = ("sh", "httpd", "nc", "wget", "cat", "echo", "sleep", "ls", "mkdir", "true", "false", "env",
           "kill", "ps", "grep", "date", "hostname", "printf", "test", "[", "tail", "head", "sed")


def is_static_elf(path: Path) -> bool:
    """A 64-bit little-endian ELF without a PT_INTERP program header (no dynamic loader needed)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def busybox_binary() -> Path | None:
    """The host's busybox when it is statically linked (a dynamic one would not run in the image)."""
    for candidate in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if candidate and is_static_elf(Path(candidate).resolve()):
            return Path(candidate).resolve()
    return None


def busybox_available() -> bool:
    return busybox_binary() is not None


def busybox_tarball(files: dict[str, str] | None = None) -> bytes:
    """A root filesystem: /bin/busybox, a link per applet, /tmp and /www, plus ``files`` (path ->
    text; scripts under /app are executable)."""
    binary = busybox_binary()
    if binary is None:
        raise FileNotFoundError("no static busybox on this host (Debian/Ubuntu: apt-get install busybox-static)")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in ("bin", "tmp", "www", "etc"):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if name == "tmp" else 0o755
            tar.addfile(info)
        data = binary.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        for name, text in (("etc/passwd", "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
                           ("etc/group", "root:x:0:\nnogroup:x:65534:\n")):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(text), 0o644
            tar.addfile(info, io.BytesIO(text.encode()))
        for name, text in sorted((files or {}).items()):
            parts = name.strip("/").split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in ("bin", "tmp", "www", "etc"):
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            data = text.encode()
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode = len(data), 0o755 if parts[0] == "app" else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def import_busybox(docker_host: str, tag: str = BUSYBOX_TAG, files: dict[str, str] | None = None,
                   cmd: list[str] | None = None, entrypoint: list[str] | None = None) -> str:
    """Import the busybox root filesystem (plus ``files``) into the engine at ``docker_host``
    (``unix://PATH``) as ``tag``, with ``cmd`` / ``entrypoint``; returns the image id."""
    import json

    repository, _, version = tag.rpartition(":")
    changes = ["ENV PATH=/bin", f"CMD {json.dumps(cmd or ['/bin/sh'])}"]
    if entrypoint:
        changes.append(f"ENTRYPOINT {json.dumps(entrypoint)}")
    query = f"fromSrc=-&repo={repository}&tag={version}" + "".join(f"&changes={_quote(c)}" for c in changes)
    if not docker_host.startswith("unix://"):
        raise ValueError(f"import_busybox takes an engine's unix socket, not {docker_host}")
    reply = _post_raw(Path(docker_host.removeprefix("unix://")), f"/images/create?{query}", busybox_tarball(files))
    for line in reply.splitlines():
        status = json.loads(line) if line.strip() else {}
        if "error" in status:
            raise RuntimeError(f"importing {tag}: {status['error']}")
        if status.get("status", "").startswith("sha256:"):
            return status["status"]
    return tag


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _post_raw(socket_path: Path, path: str, data: bytes) -> str:
    import http.client
    import socket

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(60)
            self.sock.connect(str(socket_path))

    connection = Connection("localhost", timeout=60)
    try:
        connection.request("POST", path, body=data, headers={"Content-Type": "application/x-tar"})
        reply = connection.getresponse()
        text = reply.read().decode(errors="replace")
    finally:
        connection.close()
    if reply.status >= 400:
        raise RuntimeError(f"importing an image: {reply.status} {text.strip()}")
    return text
