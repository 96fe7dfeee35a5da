"""What evidence files we accept: checked by name, by content and by size.

A file is accepted only if its extension is one we allow *and* its bytes are that kind of
file: a program renamed ``.pdf`` or a web page renamed ``.png`` is refused. Nothing here
writes anything; the service stores the file only after these checks pass.
"""

from __future__ import annotations

import email.parser
import email.policy
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

ALLOWED_MESSAGE = (
    "The file must be a PDF, a Word, Excel or PowerPoint document, an image (PNG, JPEG or "
    "GIF) or a saved email (.eml or .msg)."
)

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
        content_ok = _content_matches(upload.file, kind, extension)
    finally:
        upload.seek(0)
    if not content_ok:
        raise ValidationError(
            f"“{name}” is not a real {kind.label}: its content does not match its name. "
            f"{ALLOWED_MESSAGE}",
            code="content",
        )
    return CheckedFile(extension=extension, content_type=kind.content_type, size=upload.size)


def _content_matches(f: IO[bytes], kind: FileKind, extension: str) -> bool:
    head = f.read(8192)
    if kind.check == "filetype":
        guessed = filetype.guess(head)
        return guessed is not None and guessed.mime == kind.content_type
    if kind.check == "ole":
        if not head.startswith(OLE_MAGIC):
            return False
        f.seek(0)
        body = f.read()
        # Stream names sit in the compound file's directory, in UTF-16LE.
        return any(mark.encode("utf-16-le") in body for mark in kind.marks)
    if kind.check == "ooxml":
        if not head.startswith(ZIP_MAGIC):
            return False
        f.seek(0)
        return _ooxml_matches(f, kind.marks[0])
    if kind.check == "eml":
        f.seek(0)
        return _eml_matches(f.read())
    return False  # pragma: no cover - every kind names a check


def _ooxml_matches(f: IO[bytes], folder: str) -> bool:
    """A real Office Open XML package: the content types part and the right folder."""
    try:
        with zipfile.ZipFile(f) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if "[Content_Types].xml" not in names:
        return False
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return False  # macros: a macro-enabled file renamed to look like a plain one
    return any(n.startswith(folder) for n in names)


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
