"""Small real files of each kind we accept, and the impostors we must refuse."""

from __future__ import annotations

import io
import zipfile

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C489") + (
    b"\x00" * 32
)
JPEG = bytes.fromhex("FFD8FFE000104A46494600010100000100010000") + b"\x00" * 32 + b"\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    b"!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00"
    b"\x02\x02D\x01\x00;"
)

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def ole(stream_name: str) -> bytes:
    """A compound file header and a directory entry naming ``stream_name`` (UTF-16LE)."""
    header = OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480
    entry = stream_name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return header + "Root Entry".encode("utf-16-le").ljust(128, b"\x00") + entry


DOC = ole("WordDocument")
XLS = ole("Workbook")
PPT = ole("PowerPoint Document")
MSG = ole("__properties_version1.0") + "__substg1.0_0037001F".encode("utf-16-le")


def ooxml(folder: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(f"{folder}document.xml", "<document/>")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return buffer.getvalue()


DOCX = ooxml("word/")
XLSX = ooxml("xl/")
PPTX = ooxml("ppt/")
DOCX_WITH_MACROS = ooxml("word/", {"word/vbaProject.bin": b"\x00macro"})
PLAIN_ZIP = ooxml("stuff/")

EML = (
    b"From: Ward Manager <ward.manager@trust.example.nhs.uk>\r\n"
    b"To: Sarah Whitfield <lead@trust.example.nhs.uk>\r\n"
    b"Subject: Training compliance for Ward 4\r\n"
    b"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
    b"\r\n"
    b"All staff on Ward 4 have completed the training.\r\n"
)

# Impostors.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"program"
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
HTML_EML = b"<html><body>From: someone</body></html>"
TEXT_NOT_EMAIL = b"Just some text\nthat is not an email at all.\n"
