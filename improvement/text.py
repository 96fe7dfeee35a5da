"""Text that users typed, made safe to keep and to write out (pages, PDFs, spreadsheets).

- ``clean`` takes out characters that draw nothing but change how text behaves: control
  characters (a leading ``\\x01`` hides a formula from a spreadsheet guard), direction
  overrides (they make text read backwards), zero-width and other invisible format
  characters (they hide words from searches and from redaction), the byte-order mark,
  tag characters and Unicode non-characters. Tabs and line breaks stay; so do the
  zero-width joiners that emoji and some scripts need.
- ``has_visible_text`` says whether anything would show on the page: an update made of
  spaces, no-break spaces, zero-width spaces, Hangul fillers… is blank.
- ``spreadsheet_text`` / ``csv_cell`` / ``csv_uncell``: cleaned text, with whatever a
  spreadsheet would run as a formula kept as text (OWASP "CSV injection").
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab, line feed and carriage return; DEL; C1 controls but NEL (U+0085),
# which Python counts as a line break.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
# Invisible format characters: soft hyphen, Arabic letter mark, Mongolian vowel separator,
# zero-width space, LTR/RTL marks, embeddings and overrides, word joiner and invisible
# operators, isolates, deprecated format characters, the byte-order mark, interlinear
# annotation marks. (ZWNJ U+200C and ZWJ U+200D are kept inside text: emoji need them.)
FORMAT = (
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
# Non-characters (U+FDD0–U+FDEF, U+FFFE, U+FFFF) and tag characters (hidden text).
NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff\U000e0000-\U000e007f"
_REMOVED = re.compile(f"[{CONTROL}{FORMAT}{NONCHARACTERS}]")
# Lone surrogates cannot be encoded as UTF-8: a PDF, a workbook or PostgreSQL would fail.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Also out for ``strict``: joiners and variation selectors, which split a word in two for
# a program (a name would escape redaction) while the reader sees one word.
_JOINERS = re.compile("[\u034f\u200c\u200d\ufe00-\ufe0f\U000e0100-\U000e01ef]")

# Letters and symbols that draw as empty space.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u200c\u200d")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})

# What a spreadsheet reads as the start of a formula (or of a DDE payload after a tab/CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean(value: str, *, strict: bool = False) -> str:
    """``value`` without control, invisible format and non-characters. ``strict`` also
    takes out joiners and variation selectors and composes accents (NFC), so that what a
    program reads as words is what a reader sees: for text that is searched for names."""
    if not value:
        return value
    value = _REMOVED.sub("", value)
    if value.isascii():
        return value
    value = _SURROGATES.sub("", value)
    if strict:
        value = unicodedata.normalize("NFC", _JOINERS.sub("", value))
    return value


def _invisible(character: str) -> bool:
    return (
        character.isspace()
        or character in BLANK_LOOKING
        or unicodedata.category(character) in INVISIBLE_CATEGORIES
    )


def has_visible_text(value: str | None) -> bool:
    """True if ``value`` has at least one character that shows."""
    return any(not _invisible(c) for c in value or "")


def strip_invisible(value: str) -> str:
    """``clean(value)`` without the spaces and invisible characters at either end."""
    value = clean(value or "")
    start, end = 0, len(value)
    while start < end and _invisible(value[start]):
        start += 1
    while end > start and _invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def is_formula(text: str) -> bool:
    """Would a spreadsheet run ``text`` as a formula? Spaces before an ``=`` count too."""
    for character in text:
        if character in FORMULA_STARTS:
            return True
        if not _invisible(character):
            return False
    return False


def spreadsheet_text(value: str) -> tuple[str, bool]:
    """``value`` cleaned, and whether its cell must be kept as text (never a formula)."""
    text = clean(value)
    return text, is_formula(text)


def csv_cell(value: str) -> str:
    """Cleaned text for a CSV cell; a formula gets a leading apostrophe (``csv_uncell``
    takes it off). Text that is apostrophes before a formula gets one more, so reading
    the file back gives exactly what was written."""
    text = clean(value)
    return f"'{text}" if is_formula(text.lstrip("'")) else text


def csv_uncell(cell: str) -> str:
    """A CSV cell as ``csv_cell`` was given it."""
    if cell[:1] == "'" and is_formula(cell.lstrip("'")):
        return cell[1:]
    return cell
