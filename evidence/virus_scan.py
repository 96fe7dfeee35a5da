"""Virus scanning of evidence files by ClamAV's daemon (clamd), over its INSTREAM command.

Our own client of a few lines rather than the ``clamd`` package, which has not been
maintained for years. The protocol (clamd's own manual, "INSTREAM"): send
``zINSTREAM\\0``, then the file in chunks, each after its length as four big-endian bytes,
then a zero length; clamd answers one NUL-terminated line, ``stream: OK``,
``stream: <signature> FOUND`` or ``... ERROR``.

Off when ``CLAMAV_URL`` is empty. When it is set, anything but a clear verdict (no
connection, a timeout, an error reply) raises ``ScannerUnavailable``: the caller refuses
the file rather than store it unchecked.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

CHUNK_BYTES = 64 * 1024
MAX_REPLY_BYTES = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached, or gave no verdict on the file."""


def is_enabled() -> bool:
    return bool(settings.CLAMAV_URL)


def scan(chunks: Iterable[bytes], *, url: str, timeout: float) -> str | None:
    """What clamd found in the file made of ``chunks`` (its signature's name), or None."""
    try:
        with _connect(url, timeout) as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for chunk in chunks:
                    for start in range(0, len(chunk), CHUNK_BYTES):
                        piece = chunk[start : start + CHUNK_BYTES]
                        sock.sendall(struct.pack(">I", len(piece)) + piece)
                sock.sendall(struct.pack(">I", 0))
                sent_error: OSError | None = None
            except OSError as error:
                # clamd closes the connection on a stream over its StreamMaxLength: its
                # reply, if it sent one, says so.
                sent_error = error
            reply = _read_reply(sock)
    except (OSError, ValueError) as error:
        raise ScannerUnavailable(f"{url}: {error}") from error
    if not reply:
        raise ScannerUnavailable(f"{url}: no reply ({sent_error or 'connection closed'})")
    return _verdict(reply)


def _connect(url: str, timeout: float) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    if parts.scheme != "unix" or not parts.path:
        raise ValueError("not tcp://host:port or unix:///path/to/clamd.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(parts.path)
    except OSError:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while b"\0" not in data and len(data) < MAX_REPLY_BYTES:
        part = sock.recv(MAX_REPLY_BYTES)
        if not part:
            break
        data += part
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _verdict(reply: str) -> str | None:
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply.removeprefix("stream: ").removesuffix(" FOUND").strip() or "a virus"
    raise ScannerUnavailable(f"clamd replied {reply!r}")
