"""A private Docker engine for the sandbox: ``dockerd`` with its own data root, exec root and unix
socket under one directory, initialised as a one-node swarm, stopped with everything it ran.

Nothing of the user's own engine is touched:

- its own ``--data-root`` (under the sandbox directory), ``--exec-root`` and socket (in a short
  ``$TMPDIR/cloudorch-engine-<hash>``: unix socket paths are limited to 108 bytes), ``--pidfile`` and an
  empty ``--config-file`` (the user's ``/etc/docker/daemon.json`` is not read);
- ``--bridge none`` (no ``docker0``), ``--iptables=false --ip-forward=false --ip-masq=false``: the host's
  firewall and forwarding settings stay as they are. Published ports are served by Docker's userland
  proxy on 127.0.0.1, and services reach each other inside the overlay network's own namespace;
- the swarm's ``docker_gwbridge`` is created before ``swarm init`` with a bridge name of its own
  (``cogw<hash>``) and a /24 not routed on the host yet, so it cannot clash with another engine's;
- a distinct default address pool for overlay networks, its own swarm listen port and VXLAN
  data-path port, both free ones, and its own loopback address 127.0.x.y to advertise (dockerd binds
  the swarm's gossip port 7946 there, which another engine on the host may hold on its address);
- pulls go through a proxy on a closed loopback port, so the engine never reaches a registry:
  images come from its local store (``docker load``/``docker import``), and a missing image fails
  the way an unreachable registry does.

dockerd is started with PR_SET_PDEATHSIG, so it does not outlive the process that started it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cloudorch.errors import CloudorchError

LOCAL_POOL = "10.213.0.0/16"  # local networks of the private engine (its docker_gwbridge)
SWARM_POOL = "10.214.0.0/16"  # overlay networks of the private swarm
GOSSIP_PORT = 7946  # the swarm's network gossip; dockerd binds it on the advertise address
CLOSED_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, pulls fail at once
INSTALL_HINT = ("the swarm sandbox runs a real Docker engine and dockerd was not found: install Docker Engine "
                "(Debian/Ubuntu: apt-get install docker.io) and run as root")


class EngineError(CloudorchError):
    exit_code = 1


def dockerd_path() -> str | None:
    return shutil.which("dockerd") or next((p for p in ("/usr/sbin/dockerd", "/usr/bin/dockerd")
                                            if os.access(p, os.X_OK)), None)


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    os.setsid()


def _free_port(kind: int, low: int = 20000, high: int = 45000) -> int:
    """A port free for ``kind`` (SOCK_STREAM / SOCK_DGRAM) on every address."""
    seed = int.from_bytes(os.urandom(2), "big")
    for step in range(2000):
        port = low + (seed + step * 7919) % (high - low)
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise EngineError("no free port for the private Docker engine")


def _free_loopback(seed: int) -> str:
    """A 127.x.y.z address on which the swarm's gossip port (7946, fixed in dockerd) is free: two
    engines on one host (the user's swarm, another sandbox) each gossip on their own address."""
    for step in range(500):
        value = (seed + step * 40503) % (254 * 254)
        address = f"127.0.{1 + value // 254}.{1 + value % 254}"
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind((address, GOSSIP_PORT))
        except OSError:
            continue
        return address
    raise EngineError(f"no loopback address with port {GOSSIP_PORT} free for the private swarm")


def _routed() -> list[ipaddress.IPv4Network]:
    """Networks the host already routes (from /proc/net/route)."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            parts = line.split()
            dest, mask = (ipaddress.IPv4Address(int(parts[i], 16).to_bytes(4, "little")) for i in (1, 7))
            found.append(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False))
    return found


def _free_subnet(seed: int) -> str:
    routed = _routed()
    subnets = list(ipaddress.IPv4Network(LOCAL_POOL).subnets(new_prefix=24))
    for step in range(len(subnets)):
        candidate = subnets[(seed + step) % len(subnets)]
        if not any(candidate.overlaps(net) for net in routed if net.prefixlen > 0):
            return str(candidate)
    raise EngineError(f"every /24 of {LOCAL_POOL} is routed on this host already")


class PrivateEngine:
    """``start()`` runs dockerd and makes it a swarm manager; ``stop()`` ends it and removes its data."""

    def __init__(self, directory: Path, start_timeout: float = 60.0):
        self.directory = Path(directory)
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        digest = hashlib.sha256(str(self.directory.resolve()).encode()).hexdigest()
        # containerd and its shims put unix sockets (at most 108 bytes a path) under the exec root and
        # the docker socket sits beside it: a short directory of their own, whatever the sandbox's is
        self.run_dir = Path(tempfile.gettempdir()) / f"cloudorch-engine-{digest[:10]}"
        self.socket = self.run_dir / "docker.sock"
        self.bridge = f"cogw{digest[:8]}"
        self._seed = int(digest[8:12], 16)
        self.address = ""  # the swarm's advertise address, a 127.x.y.z of its own

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        binary = dockerd_path()
        if binary is None:
            raise EngineError(INSTALL_HINT)
        self._clear()
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        (self.run_dir / "exec").mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)
        (self.directory / "daemon.json").write_text("{}\n")
        log = open(self.directory / "dockerd.log", "ab")
        env = {**os.environ, "HTTP_PROXY": CLOSED_PROXY, "HTTPS_PROXY": CLOSED_PROXY, "NO_PROXY": "",
               "http_proxy": CLOSED_PROXY, "https_proxy": CLOSED_PROXY, "no_proxy": ""}
        env.pop("DOCKER_HOST", None)
        self.process = subprocess.Popen(
            [binary, "--config-file", str(self.directory / "daemon.json"),
             "--data-root", str(self.directory / "data"), "--exec-root", str(self.run_dir / "exec"),
             "--pidfile", str(self.directory / "docker.pid"), "--host", self.docker_host,
             "--bridge", "none", "--iptables=false", "--ip-forward=false", "--ip-masq=false",
             "--default-address-pool", f"base={LOCAL_POOL},size=24", "--shutdown-timeout", "5",
             "--log-level", "warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, preexec_fn=_die_with_parent,
        )
        log.close()
        try:
            self._wait_ready()
            self._init_swarm()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        end = time.monotonic() + self.start_timeout
        while time.monotonic() < end:
            if self.process is not None and self.process.poll() is not None:
                raise EngineError(f"dockerd exited at start ({self._log_tail()}); see {self.directory / 'dockerd.log'}")
            if self.socket.exists():
                with contextlib.suppress(OSError, EngineError):
                    self.call("GET", "/_ping")
                    return
            time.sleep(0.1)
        raise EngineError(f"dockerd did not answer within {self.start_timeout:g}s; see "
                          f"{self.directory / 'dockerd.log'}")

    def _init_swarm(self) -> None:
        self.call("POST", "/networks/create", {
            "Name": "docker_gwbridge", "Driver": "bridge", "CheckDuplicate": True,
            "IPAM": {"Config": [{"Subnet": _free_subnet(self._seed)}]},
            "Options": {"com.docker.network.bridge.name": self.bridge,
                        "com.docker.network.bridge.enable_icc": "false",
                        "com.docker.network.bridge.enable_ip_masquerade": "false"},
        })
        self.address = _free_loopback(self._seed)
        listen = _free_port(socket.SOCK_STREAM)
        self.call("POST", "/swarm/init", {
            "ListenAddr": f"{self.address}:{listen}", "AdvertiseAddr": f"{self.address}:{listen}",
            "DataPathPort": _free_port(socket.SOCK_DGRAM, 10000, 49000),
            "DefaultAddrPool": [SWARM_POOL], "SubnetSize": 24,
        })

    def stop(self, timeout: float = 30.0) -> None:
        """Remove every service (their containers stop), stop dockerd, delete its data."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(Exception):
                for service in self.call("GET", "/services") or []:
                    self.call("DELETE", f"/services/{service['ID']}")
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self._clear()

    def _clear(self) -> None:
        """Remove what a previous engine in this directory left (mounts first, then files)."""
        roots = [str(self.directory.resolve()) + "/", str(self.run_dir) + "/"]
        with contextlib.suppress(OSError):
            mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
            for mount in sorted((m for m in mounts if m.startswith(tuple(roots))), key=len, reverse=True):
                subprocess.run(["umount", "-l", mount], capture_output=True, check=False)
        shutil.rmtree(self.directory / "data", ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if Path(f"/sys/class/net/{self.bridge}").exists():
            subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True, check=False)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = (self.directory / "dockerd.log").read_text(errors="replace").strip().splitlines()
            return lines[-1][-300:] if lines else "no output"
        return "no output"

    # -- raw API over the socket (no SDK: the sandbox must not need one) -----------------------
    def call(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> object:
        import http.client

        class Connection(http.client.HTTPConnection):
            def connect(conn) -> None:  # noqa: N805
                conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                conn.sock.settimeout(timeout)
                conn.sock.connect(str(self.socket))

        connection = Connection("localhost", timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
            reply = connection.getresponse()
            payload = reply.read()
        finally:
            connection.close()
        if reply.status >= 400:
            try:
                message = json.loads(payload).get("message", "")
            except ValueError:
                message = payload.decode(errors="replace")
            raise EngineError(f"{method} {path}: {reply.status} {message}")
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return payload.decode(errors="replace")
