"""The one CSV writer of every export. A text cell that a spreadsheet would run as a
formula (= + - @, tab, carriage return) gets a leading apostrophe, which spreadsheets show
as text; numbers stay numbers, and `unquote()` takes the apostrophe off on import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _runs(text: str) -> bool:
    """True when the text, past any apostrophes, would start a formula. Apostrophes count
    so that a cell the user began with one survives the export -> import round trip."""
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_START) and not NUMBER_RE.fullmatch(rest)


def inert(value: object) -> object:
    """The cell as written to the file: text that would run gets its apostrophe."""
    return "'" + value if isinstance(value, str) and _runs(value) else value


def unquote(cell: str) -> str:
    """The cell as it was before `inert()`: exactly one apostrophe taken off."""
    return cell[1:] if cell.startswith("'") and _runs(cell[1:]) else cell


def csv_bytes(header: list[str], rows: Iterable[Iterable[object]], delimiter: str = ",") -> bytes:
    """Header and rows as UTF-8 CSV with a BOM (spreadsheets then read the accents)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([inert(h) for h in header])
    writer.writerows([inert(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
