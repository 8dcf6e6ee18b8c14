"""A time-stamping authority over HTTP on 127.0.0.1 for the tests (RFC 3161: a TimeStampReq posted as
application/timestamp-query, a TimeStampResp back as application/timestamp-reply), answered by pyHanko's
`DummyTimeStamper` with the demo TSA's key; optionally behind HTTP basic credentials, and switchable down (503)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import tsp
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps import DummyTimeStamper

from shared.platform.pdfsigning import DemoPki


@dataclass
class LocalTsa:
    url: str
    credentials: tuple[str, str] | None
    down: bool = False
    stamped: int = 0
    refused: list[int] = field(default_factory=list)  # the HTTP statuses of the requests not stamped


@contextmanager
def local_tsa(var_dir: Path, credentials: tuple[str, str] | None = None) -> Iterator[LocalTsa]:
    """The demo TSA of `var_dir`'s PKI (made by `ensure_demo_pki`) answering over HTTP while the block runs."""
    key = SimpleSigner.load_pkcs12_data(DemoPki.of(var_dir).tsa.read_bytes(), other_certs=())
    stamper = DummyTimeStamper(tsa_cert=key.signing_cert, tsa_key=key.signing_key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if tsa.down:
                return self._refuse(503)
            if tsa.credentials is not None:
                expected = "Basic " + base64.b64encode(":".join(tsa.credentials).encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._refuse(401)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                return self._refuse(415)
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            tsa.stamped += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            return None

        def _refuse(self, status: int) -> None:
            tsa.refused.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tsa = LocalTsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", credentials)
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
