"""Evidence files are scanned by ClamAV's daemon when it is configured, and refused when it
finds something or cannot say.

clamd is not on the development machines or CI (and could not fetch its signatures), so
these tests talk to a small daemon of our own on 127.0.0.1 that speaks clamd's INSTREAM
protocol byte for byte: the command, four-byte big-endian chunk lengths, a zero length, a
NUL-ended reply. (The client was also checked by hand against Debian's clamd 1.4 with a
signature file of our own: the same verdicts, over TCP and a unix socket.)
"""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import tempfile
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services, virus_scan
from evidence.files import SCANNER_UNAVAILABLE_MESSAGE
from evidence.models import Evidence
from tests.production.test_deploy_checks import load_settings

from . import samples
from .conftest import stored_files, upload

# The EICAR test file, in two halves so that no scanner flags this source file itself.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("stream ended early")
        data += part
    return data


class FakeClamd(socketserver.BaseRequestHandler):
    """One INSTREAM request: record what came, then answer as the server's ``reply`` says."""

    def handle(self):
        server = self.server
        command = b""
        while not command.endswith(b"\0"):
            command += _read_exact(self.request, 1)
        chunks = []
        while length := struct.unpack(">I", _read_exact(self.request, 4))[0]:
            chunks.append(_read_exact(self.request, length))
        server.requests.append((command, [len(c) for c in chunks], b"".join(chunks)))
        reply = server.reply(b"".join(chunks))
        if reply is not None:
            self.request.sendall(reply + b"\0")


def clamav_reply(data: bytes) -> bytes:
    return b"stream: Eicar-Signature FOUND" if EICAR in data else b"stream: OK"


def _serve(server) -> socketserver.BaseServer:
    server.requests = []
    server.reply = clamav_reply
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def clamd(settings):
    """A fake clamd on a free port of 127.0.0.1, named by CLAMAV_URL."""
    server = _serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd))
    server.url = f"tcp://127.0.0.1:{server.server_address[1]}"
    settings.CLAMAV_URL = server.url
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def clamd_unix(settings):
    with tempfile.TemporaryDirectory(prefix="clamd") as folder:
        path = Path(folder) / "clamd.sock"
        server = _serve(socketserver.ThreadingUnixStreamServer(str(path), FakeClamd))
        server.url = f"unix://{path}"
        settings.CLAMAV_URL = server.url
        yield server
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url(settings):
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{port}"
    return settings.CLAMAV_URL


# The client ------------------------------------------------------------------------------


def test_client_sends_the_file_over_instream_in_length_prefixed_chunks(clamd):
    found = virus_scan.scan([b"a" * 70_000, b"", b"b" * 10], url=clamd.url, timeout=5)

    assert found is None
    ((command, lengths, data),) = clamd.requests
    assert command == b"zINSTREAM\0"
    # At most 64 KiB a chunk; an empty chunk is not sent: it would end the stream.
    assert lengths == [65_536, 70_000 - 65_536, 10]
    assert data == b"a" * 70_000 + b"b" * 10


def test_client_names_what_clamd_found(clamd):
    assert virus_scan.scan([samples.PDF, EICAR], url=clamd.url, timeout=5) == "Eicar-Signature"


def test_client_talks_to_clamd_over_a_unix_socket(clamd_unix):
    assert virus_scan.scan([EICAR], url=clamd_unix.url, timeout=5) == "Eicar-Signature"
    assert virus_scan.scan([samples.PDF], url=clamd_unix.url, timeout=5) is None


def test_client_raises_when_clamd_cannot_be_reached(closed_port_url):
    with pytest.raises(virus_scan.ScannerUnavailable, match="127.0.0.1"):
        virus_scan.scan([samples.PDF], url=closed_port_url, timeout=5)


@pytest.mark.parametrize(
    "reply",
    [b"INSTREAM size limit exceeded. ERROR", b"stream: Can't allocate memory ERROR", None],
    ids=["size limit", "error", "no reply"],
)
def test_client_raises_when_clamd_gives_no_verdict(clamd, reply):
    clamd.reply = lambda data: reply

    with pytest.raises(virus_scan.ScannerUnavailable) as unavailable:
        virus_scan.scan([samples.PDF], url=clamd.url, timeout=5)

    assert (reply or b"no reply").decode() in str(unavailable.value)


def test_client_gives_up_when_clamd_does_not_answer_in_time(clamd):
    released = threading.Event()
    clamd.reply = lambda data: released.wait(5) and None  # holds the connection open

    try:
        with pytest.raises(virus_scan.ScannerUnavailable, match="timed out"):
            virus_scan.scan([samples.PDF], url=clamd.url, timeout=0.2)
    finally:
        released.set()


# Uploads ---------------------------------------------------------------------------------


def test_a_clean_file_is_scanned_whole_and_stored(action, lead, clamd, evidence_root):
    content = samples.PDF + b"%" * 200_000  # more than one chunk

    services.evidence_add(
        action=action, by=lead, kind="file", file=upload("a.pdf", content), description="x"
    )

    ((_, lengths, data),) = clamd.requests
    assert data == content
    assert max(lengths) <= virus_scan.CHUNK_BYTES
    assert [p.read_bytes() for p in stored_files(evidence_root)] == [content]


def test_a_file_with_a_virus_is_refused_and_not_stored(action, lead, clamd, evidence_root, caplog):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            action=action,
            by=lead,
            kind="file",
            file=upload("register.pdf", samples.PDF + EICAR),
            description="x",
        )

    assert refused.value.message_dict["file"] == [
        "“register.pdf” was not uploaded: the virus scanner found Eicar-Signature in it. "
        "Do not open it; tell your IT service desk where it came from."
    ]
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []
    assert "'register.pdf' refused: the virus scanner found Eicar-Signature" in caplog.text


def test_upload_is_refused_and_logged_when_the_scanner_cannot_be_reached(
    action, lead, closed_port_url, evidence_root, caplog
):
    with caplog.at_level(logging.ERROR, logger="evidence.files"):
        with pytest.raises(ValidationError) as refused:
            services.evidence_add(
                action=action,
                by=lead,
                kind="file",
                file=upload("register.pdf", samples.PDF),
                description="x",
            )

    assert refused.value.message_dict["file"] == [
        "Files cannot be checked for viruses just now; try again later."
    ]
    assert SCANNER_UNAVAILABLE_MESSAGE in refused.value.message_dict["file"]
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []
    (record,) = [r for r in caplog.records if r.name == "evidence.files"]
    assert record.levelno == logging.ERROR
    assert closed_port_url in record.getMessage()


def test_a_file_refused_by_its_content_is_not_sent_to_the_scanner(action, lead, clamd):
    with pytest.raises(ValidationError):
        services.evidence_add(
            action=action, by=lead, kind="file", file=upload("a.pdf", samples.MZ), description="x"
        )

    assert clamd.requests == []


def test_links_and_notes_are_not_scanned_and_need_no_scanner(action, lead, closed_port_url):
    services.evidence_add(action=action, by=lead, kind="note", note="Seen", description="x")

    assert Evidence.objects.count() == 1


def test_without_a_scanner_configured_files_are_stored_unscanned(
    action, lead, settings, evidence_root
):
    settings.CLAMAV_URL = ""

    services.evidence_add(
        action=action, by=lead, kind="file", file=upload("a.pdf", samples.PDF), description="x"
    )

    assert len(stored_files(evidence_root)) == 1


def test_upload_page_shows_the_virus_refusal(client, action, lead, clamd, evidence_root):
    client.force_login(lead)

    response = client.post(
        reverse("evidence_add", args=[action.pk]),
        {"kind": "file", "file": upload("a.pdf", samples.PDF + EICAR), "description": "x"},
    )

    assert response.status_code == 422
    assert "the virus scanner found Eicar-Signature" in response.content.decode()
    assert stored_files(evidence_root) == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("tcp://clamav:3310", "Files are scanned for viruses."),
        ("", "Files are not scanned for viruses on this system;"),
    ],
)
def test_upload_pages_say_whether_files_are_scanned(client, action, lead, settings, url, says):
    settings.CLAMAV_URL = url
    client.force_login(lead)

    for page in (
        reverse("action", args=[action.pk]),
        reverse("evidence_add", args=[action.pk]) + "?kind=file",
    ):
        assert says in client.get(page).content.decode(), page


@pytest.mark.parametrize("url", ["clamav:3310", "http://clamav:3310", "tcp://clamav"])
def test_a_bad_scanner_address_stops_the_start(tmp_path, url):
    result = load_settings(tmp_path, CLAMAV_URL=url)

    assert result.returncode != 0
    assert "CLAMAV_URL must be tcp://host:port or unix:///path/to/clamd.sock" in result.stderr


def test_the_compose_scanner_address_loads(tmp_path):
    result = load_settings(tmp_path, CLAMAV_URL="tcp://clamav:3310")

    assert result.returncode == 0, result.stderr
