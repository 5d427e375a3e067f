"""Serving emulators on loopback: a threaded WSGI server, optionally over TLS with a self-signed
certificate made for 127.0.0.1 / localhost."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cloudorch.sandbox.emulator import AdminMiddleware, Emulator


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate and key for localhost/127.0.0.1 into ``directory``
    (reused when already there) and return their paths."""
    cert_path, key_path = directory / "sandbox-cert.pem", directory / "sandbox-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloudorch sandbox")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


@dataclass
class RunningEmulator:
    emulator: Emulator
    admin: AdminMiddleware
    url: str
    ca_cert: str | None
    _server: object
    _thread: threading.Thread

    def client_config(self) -> dict:
        return self.emulator.client_config(self.url, self.ca_cert)

    def stop(self) -> None:
        self.emulator.stop()
        self._server.shutdown()  # type: ignore[attr-defined]
        self._server.server_close()  # type: ignore[attr-defined]
        self._thread.join(timeout=5)


def serve(
    emulator: Emulator,
    *,
    port: int = 0,
    cert_dir: Path | None = None,
    peers: dict[str, dict] | None = None,
) -> RunningEmulator:
    """Start ``emulator`` on 127.0.0.1:``port`` (0 = any free port) in a background thread.
    TLS emulators need ``cert_dir`` for the self-signed certificate."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        """No access log: the admin endpoint's request log records what was served."""

        def log_request(self, code="-", size="-"):
            pass

    admin = AdminMiddleware(emulator)
    ssl_context = None
    ca_cert = None
    if emulator.tls:
        if cert_dir is None:
            raise ValueError(f"emulator {emulator.name!r} serves TLS and needs a cert_dir")
        cert, key = make_certificate(cert_dir)
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(cert, key)
        ca_cert = str(cert)
    server = make_server("127.0.0.1", port, admin, threaded=True, ssl_context=ssl_context,
                         request_handler=QuietHandler)
    scheme = "https" if ssl_context else "http"
    url = f"{scheme}://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name=f"emulator-{emulator.name}", daemon=True)
    thread.start()
    try:
        emulator.start(url, peers or {})
    except BaseException:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        raise
    return RunningEmulator(emulator, admin, url, ca_cert, server, thread)
