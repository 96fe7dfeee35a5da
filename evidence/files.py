"""What evidence files we accept: checked by name, by content and by size.

A file is accepted only if its extension is one we allow *and* its bytes are that kind of
file: a program renamed ``.pdf`` or a web page renamed ``.png`` is refused. Office files
that carry macros are refused, whatever their format: macros can run code when the file is
opened. Last, if ClamAV is configured, the file is scanned (``evidence.virus_scan``).
Nothing here writes anything; the service stores the file only after these checks pass.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import filetype
import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from . import virus_scan

logger = logging.getLogger(__name__)

ALLOWED_MESSAGE = (
    "The file must be a PDF, a Word, Excel or PowerPoint document, an image (PNG, JPEG or "
    "GIF) or a saved email (.eml or .msg)."
)

MACROS_MESSAGE = (
    "contains macros, which can carry viruses. Save it without macros (for example, as "
    ".docx, .xlsx or .pptx) and upload it again."
)

SCANNER_UNAVAILABLE_MESSAGE = "Files cannot be checked for viruses just now; try again later."

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    # "filetype" (the package's sniffing), "ole", "ooxml" or "eml"
    check: str
    # For OLE: stream names any one of which must be in the compound file.
    # For OOXML: the folder the package must contain.
    marks: tuple[str, ...] = ()


KINDS: dict[str, FileKind] = {
    ".pdf": FileKind("PDF", "application/pdf", "filetype"),
    ".png": FileKind("PNG image", "image/png", "filetype"),
    ".jpg": FileKind("JPEG image", "image/jpeg", "filetype"),
    ".jpeg": FileKind("JPEG image", "image/jpeg", "filetype"),
    ".gif": FileKind("GIF image", "image/gif", "filetype"),
    ".doc": FileKind("Word document", "application/msword", "ole", ("WordDocument",)),
    ".xls": FileKind("Excel workbook", "application/vnd.ms-excel", "ole", ("Workbook", "Book")),
    ".ppt": FileKind(
        "PowerPoint presentation",
        "application/vnd.ms-powerpoint",
        "ole",
        ("PowerPoint Document",),
    ),
    ".msg": FileKind(
        "Outlook email", "application/vnd.ms-outlook", "ole", ("__properties_version1.0",)
    ),
    ".docx": FileKind(
        "Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ooxml",
        ("word/",),
    ),
    ".xlsx": FileKind(
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ooxml",
        ("xl/",),
    ),
    ".pptx": FileKind(
        "PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ooxml",
        ("ppt/",),
    ),
    ".eml": FileKind("saved email", "message/rfc822", "eml"),
}

ALLOWED_EXTENSIONS = tuple(KINDS)


@dataclass(frozen=True)
class CheckedFile:
    """What the checks found: the safe content type to store and serve with."""

    extension: str
    content_type: str
    size: int


def max_upload_bytes() -> int:
    return int(settings.EVIDENCE_MAX_UPLOAD_BYTES)


def size_label(size: int) -> str:
    """'25 MB' for the default limit; Django's filesize words otherwise."""
    mb = 1024 * 1024
    if size >= mb and size % mb == 0:
        return f"{size // mb} MB"
    return filesizeformat(size).replace("\xa0", " ")


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Accept the file or raise ``ValidationError`` with a message a lead can act on."""
    name = PurePath(upload.name or "").name
    limit = max_upload_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"“{name}” is larger than {size_label(limit)}, the limit for one file. "
            "Make it smaller (for example, save a shorter extract), or upload it in parts.",
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    extension = PurePath(name).suffix.lower()
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            f"“{name}” is not a type of file we accept. {ALLOWED_MESSAGE}", code="type"
        )
    upload.seek(0)
    try:
        problem = _content_problem(upload.file, kind)
    finally:
        upload.seek(0)
    if problem == "content":
        raise ValidationError(
            f"“{name}” is not a real {kind.label}: its content does not match its name. "
            f"{ALLOWED_MESSAGE}",
            code="content",
        )
    if problem == "macros":
        raise ValidationError(f"“{name}” {MACROS_MESSAGE}", code="macros")
    if problem == "damaged":
        raise ValidationError(
            f"“{name}” cannot be read: it starts like a {kind.label} but the rest is damaged. "
            "Open it, save it again and upload it again.",
            code="damaged",
        )
    if problem == "password":
        raise ValidationError(
            f"“{name}” is protected with a password, so it cannot be checked for macros. "
            "Remove the password, save it and upload it again.",
            code="password",
        )
    _scan_for_viruses(upload, name)
    return CheckedFile(extension=extension, content_type=kind.content_type, size=upload.size)


def scanning_message() -> str:
    """What the upload form says about virus scanning on this system."""
    if virus_scan.is_enabled():
        return "Files are scanned for viruses."
    return (
        "Files are not scanned for viruses on this system; "
        "upload only files from people and systems you trust."
    )


def _scan_for_viruses(upload: UploadedFile, name: str) -> None:
    """Refuse the file if ClamAV finds something in it, or cannot say (fail closed)."""
    if not virus_scan.is_enabled():
        return
    try:
        found = virus_scan.scan(
            upload.chunks(virus_scan.CHUNK_BYTES),
            url=settings.CLAMAV_URL,
            timeout=settings.CLAMAV_TIMEOUT,
        )
    except virus_scan.ScannerUnavailable as error:
        logger.error("Evidence file %r refused: the virus scanner gave no verdict: %s", name, error)
        raise ValidationError(SCANNER_UNAVAILABLE_MESSAGE, code="scanner_unavailable") from error
    finally:
        upload.seek(0)
    if found:
        logger.warning("Evidence file %r refused: the virus scanner found %s", name, found)
        raise ValidationError(
            f"“{name}” was not uploaded: the virus scanner found {found} in it. "
            "Do not open it; tell your IT service desk where it came from.",
            code="virus",
        )


def _content_problem(f: IO[bytes], kind: FileKind) -> str | None:
    """None if the file is what its name says and safe to keep; else what is wrong with it."""
    head = f.read(8192)
    if kind.check == "filetype":
        guessed = filetype.guess(head)
        return None if guessed is not None and guessed.mime == kind.content_type else "content"
    if kind.check == "ole":
        if not head.startswith(OLE_MAGIC):
            return "content"
        f.seek(0)
        return _ole_problem(f, kind)
    if kind.check == "ooxml":
        if not head.startswith(ZIP_MAGIC):
            return "content"
        f.seek(0)
        return _ooxml_problem(f, kind.marks[0])
    if kind.check == "eml":
        f.seek(0)
        return None if _eml_matches(f.read()) else "content"
    return "content"  # pragma: no cover - every kind names a check


# Where the legacy formats keep a VBA project: Word in "Macros", Excel 97 in
# "_VBA_PROJECT_CUR", Excel 5 in "_VBA_PROJECT", each holding a "VBA" storage; at any depth,
# so a workbook embedded in a document, or a document attached to an email, counts too.
OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "_vba_project", "vba"}


def _ole_problem(f: IO[bytes], kind: FileKind) -> str | None:
    """Read the compound file's directory (and, for Excel and PowerPoint, the records that
    say whether there are macros): a file olefile cannot read is refused as damaged."""
    try:
        with olefile.OleFileIO(f) as ole:
            paths = ole.listdir(streams=True, storages=True)
            if not any(ole.exists(mark) for mark in kind.marks):
                return "content"
            if any(part.lower() in OLE_MACRO_STORAGES for path in paths for part in path):
                return "macros"
            if kind.content_type == "application/vnd.ms-excel":
                stream = next(mark for mark in kind.marks if ole.exists(mark))
                return _biff_problem(ole.openstream(stream).read())
            if kind.content_type == "application/vnd.ms-powerpoint":
                document = ole.openstream(kind.marks[0]).read()
                return "macros" if _ppt_has_vba(document) else None
    except Exception:  # a hostile file can break a parser in any way
        return "damaged"
    return None


def _biff_problem(workbook: bytes) -> str | None:
    """Excel 4.0 macro sheets live in the workbook stream, not in a VBA storage: its first
    part lists every sheet (BoundSheet8 records) before its first EOF record."""
    pos = 0
    while pos + 4 <= len(workbook):
        record, length = struct.unpack_from("<HH", workbook, pos)
        body = workbook[pos + 4 : pos + 4 + length]
        if record == 0x002F:  # FilePass: encrypted, so the sheet list cannot be read
            return "password"
        if record == 0x0085 and len(body) >= 6 and body[5] == 0x01:  # a macro sheet
            return "macros"
        if record == 0x000A:  # EOF
            break
        pos += 4 + length
    return None


# PowerPoint keeps its VBA project compressed inside the document stream; a
# VBAInfoContainer (0x03FF, always 20 bytes long) holding a VBAInfoAtom (0x0400, 12 bytes)
# says there is one. PowerPoint finds its records by offsets, not in sequence, so the
# stream is searched for the pair rather than walked record by record (a walk can be
# thrown off by filler between records).
PPT_VBA_INFO = re.compile(rb"\x0f\x00\xff\x03\x14\x00\x00\x00..\x00\x04\x0c\x00\x00\x00", re.S)


def _ppt_has_vba(document: bytes) -> bool:
    return PPT_VBA_INFO.search(document) is not None


def _ooxml_problem(f: IO[bytes], folder: str) -> str | None:
    """A real Office Open XML package: the content types part and the right folder."""
    try:
        with zipfile.ZipFile(f) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "content"
    if "[Content_Types].xml" not in names:
        return "content"
    if not any(n.startswith(folder) for n in names):
        return "content"
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "macros"  # a macro-enabled file (.docm, .xlsm) renamed to look like a plain one
    return None


EML_REQUIRED = ("from",)
EML_ONE_OF = ("subject", "date")


def _eml_matches(data: bytes) -> bool:
    """Text that parses as an RFC 822 message with real headers, and is not a web page."""
    if b"\x00" in data:
        return False
    start = data.lstrip()[:64].lower()
    if start.startswith((b"<", b"\xef\xbb\xbf<")):
        return False
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        data, headersonly=True
    )
    if message.defects and not message.keys():
        return False
    keys = {k.lower() for k in message.keys()}
    return all(k in keys for k in EML_REQUIRED) and any(k in keys for k in EML_ONE_OF)
