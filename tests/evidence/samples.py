"""Small real files of each kind we accept, and the impostors we must refuse."""

from __future__ import annotations

import io
import struct
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
_SECTOR = 512
_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole(streams: dict[str, bytes]) -> bytes:
    """A real compound file (the legacy Office format, version 3) holding ``streams``.

    Keys are paths ("Macros/VBA/dir"); the storages on the way are made. olefile cannot
    write, so this does: header, FAT, directory, then each stream in its own sectors. A
    stream shorter than 4096 bytes is padded to 4096 so that none needs the mini stream;
    no DIFAT sectors, so at most about 6 MB in all.
    """
    # The directory: entry 0 is the root; each storage's children hang off it as a chain
    # of right siblings, sorted as the format sorts names (by length, then upper case).
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "children": {}}]
    for path, data in streams.items():
        parent = entries[0]
        parts = path.split("/")
        for i, part in enumerate(parts):
            if part not in parent["children"]:
                entry = {"name": part, "type": 2 if i == len(parts) - 1 else 1, "children": {}}
                if entry["type"] == 2:
                    entry["data"] = data.ljust(4096, b"\x00") if data else b""
                entry["id"] = len(entries)
                entries.append(entry)
                parent["children"][part] = entry
            parent = parent["children"][part]
    for entry in entries:
        kids = sorted(entry["children"].values(), key=lambda e: (len(e["name"]), e["name"].upper()))
        entry["child"] = kids[0]["id"] if kids else _NONE
        for left, right in zip(kids, kids[1:], strict=False):
            left["right"] = right["id"]

    dir_sectors = -(-len(entries) * 128 // _SECTOR)
    data_sectors = sum(len(e.get("data", b"")) // _SECTOR for e in entries)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + data_sectors:
        fat_sectors += 1
    fat = [_FAT] * fat_sectors
    first_dir = len(fat)
    fat += [*range(first_dir + 1, first_dir + dir_sectors), _END]
    body = b""
    for entry in entries:
        data = entry.get("data", b"")
        entry["start"] = len(fat) if data else _END
        if data:
            n = len(data) // _SECTOR
            fat += [*range(len(fat) + 1, len(fat) + n), _END]
            body += data
    fat += [_FREE] * (fat_sectors * 128 - len(fat))

    directory = b""
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\x00\x00"
        directory += (
            name.ljust(64, b"\x00")
            + struct.pack("<HBB", len(name), entry["type"], 1)
            + struct.pack("<III", _NONE, entry.get("right", _NONE), entry["child"])
            + b"\x00" * 36  # class id, state bits, times
            + struct.pack("<IQ", entry["start"], len(entry.get("data", b"")))
        )
    empty = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *[_NONE] * 3)
    empty = empty.ljust(128, b"\x00")
    directory = directory.ljust(dir_sectors * _SECTOR, b"\x00")
    directory = directory[: len(entries) * 128] + empty * (dir_sectors * 4 - len(entries))

    header = (
        OLE_MAGIC
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, fat_sectors, first_dir, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", *range(fat_sectors), *[_FREE] * (109 - fat_sectors))
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def biff(*sheet_kinds: int, encrypted: bool = False) -> bytes:
    """An Excel 97 workbook stream's globals: BOF, a sheet entry (BoundSheet8) per kind, EOF.

    Sheet kinds: 0 worksheet, 1 Excel 4.0 macro sheet, 2 chart.
    """

    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    records = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    if encrypted:
        records += record(0x002F, b"\x01\x00" + b"\x00" * 52)  # FilePass: RC4
    for i, kind in enumerate(sheet_kinds):
        name = f"Sheet{i + 1}".encode()
        records += record(0x0085, struct.pack("<IBBBB", 0, 0, kind, len(name), 0) + name)
    return records + record(0x000A, b"")


def ppt_records(*, macros: bool) -> bytes:
    """A PowerPoint document stream: a DocumentContainer with a DocumentAtom, and with a
    VBAInfoContainer (which points at the compressed VBA project) when it has macros."""

    def atom(kind: int, body: bytes, version: int = 0) -> bytes:
        return struct.pack("<HHI", version, kind, len(body)) + body

    def container(kind: int, *children: bytes) -> bytes:
        body = b"".join(children)
        return struct.pack("<HHI", 0x000F, kind, len(body)) + body

    children = [atom(0x03E9, b"\x00" * 40, version=1)]
    if macros:
        children.append(container(0x03FF, atom(0x0400, struct.pack("<III", 1, 0, 2), 2)))
    return container(0x03E8, *children)


VBA_PROJECT = {"VBA/dir": b"\x01macro source", "VBA/_VBA_PROJECT": b"\xcc\x61", "PROJECT": b"ID="}

DOC = ole({"WordDocument": b"\xec\xa5" + b"\x00" * 30, "1Table": b"\x00" * 8})
DOC_WITH_MACROS = ole(
    {"WordDocument": b"\xec\xa5", "1Table": b"\x00"}
    | {f"Macros/{path}": data for path, data in VBA_PROJECT.items()}
)
XLS = ole({"Workbook": biff(0, 2)})
XLS_WITH_MACROS = ole(
    {"Workbook": biff(0)} | {f"_VBA_PROJECT_CUR/{path}": data for path, data in VBA_PROJECT.items()}
)
XLS_WITH_MACRO_SHEET = ole({"Workbook": biff(0, 1)})
XLS_WITH_PASSWORD = ole({"Workbook": biff(0, encrypted=True)})
PPT = ole({"PowerPoint Document": ppt_records(macros=False), "Current User": b"\x00" * 20})
PPT_WITH_MACROS = ole(
    {"PowerPoint Document": ppt_records(macros=True), "Current User": b"\x00" * 20}
)
# PowerPoint finds its records by offsets: filler (here an atom whose length covers the
# document) must not hide the macros from a reader that walks the records in order.
_PPT_DOCUMENT = ppt_records(macros=True)
PPT_WITH_MACROS_AFTER_FILLER = ole(
    {
        "PowerPoint Document": struct.pack("<HHI", 0, 0x0FF0, len(_PPT_DOCUMENT)) + _PPT_DOCUMENT,
        "Current User": b"\x00" * 20,
    }
)
MSG = ole(
    {"__properties_version1.0": b"\x00" * 32, "__substg1.0_0037001F": "Hello".encode("utf-16-le")}
)
# A Word document with an embedded Excel sheet that carries macros.
DOC_WITH_EMBEDDED_MACROS = ole(
    {"WordDocument": b"\xec\xa5", "ObjectPool/_1234/Workbook": biff(0)}
    | {f"ObjectPool/_1234/_VBA_PROJECT_CUR/{p}": d for p, d in VBA_PROJECT.items()}
)
# An email with a Word document attached as an embedded storage, macros and all.
MSG_WITH_MACROS_ATTACHED = ole(
    {
        "__properties_version1.0": b"\x00" * 32,
        "__attach_version1.0_#00000000/__properties_version1.0": b"\x00" * 8,
    }
    | {
        f"__attach_version1.0_#00000000/__substg1.0_3701000D/Macros/{path}": data
        for path, data in VBA_PROJECT.items()
    }
)
# The compound file's signature, then nothing a reader can make sense of.
OLE_DAMAGED = OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\xff" * 2000


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
