"""A TCP server that speaks just enough of the PostgreSQL protocol to refuse a password.

The embedded test database trusts local connections, so a wrong password cannot be tried
against it; this server answers every login with SQLSTATE 28P01, as PostgreSQL does.

    with PasswordRefuser() as port:
        dsn = f"postgresql://app:{password}@127.0.0.1:{port}/db"
"""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType
from typing import Self

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


def _error(code: str, message: str) -> bytes:
    fields = b"".join(
        key + value.encode() + b"\0"
        for key, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


def _read_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


def _serve_one(conn: socket.socket) -> None:
    with conn:
        try:
            while True:
                length, code = struct.unpack("!II", _read_exact(conn, 8))
                payload = _read_exact(conn, length - 8)
                if code in (SSL_REQUEST, GSS_REQUEST):
                    conn.sendall(b"N")  # no TLS here: the client goes on in clear
                    continue
                user = payload.split(b"user\0", 1)[-1].split(b"\0", 1)[0].decode(errors="replace")
                break
            conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            kind = _read_exact(conn, 1)
            (size,) = struct.unpack("!I", _read_exact(conn, 4))
            _read_exact(conn, size - 4)
            if kind == b"p":
                message = f'password authentication failed for user "{user}"'
                conn.sendall(_error("28P01", message))
        except (ConnectionError, OSError, struct.error):
            return


class PasswordRefuser:
    """Listens on 127.0.0.1 (ephemeral port) in a daemon thread until closed."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._loop, name="pg-refuser", daemon=True)

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(conn,), daemon=True).start()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._sock.close()
        self._thread.join(timeout=5)
