"""Reading the CSV files people bring to the imports (the legacy journal, a promotion's roster):
decoding (UTF-8 with or without BOM, else Windows-1252), the delimiter (commas, or the
semicolons of French spreadsheets), physical line numbers for every record, and the csv
module's errors in French. Streamed: a large file is never held whole. The problems found
are reported by line as `Problem`; a file that cannot be read at all raises `ImportFormatError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from pydantic import BaseModel

from lib import formats
from lib.errors import ServiceError
from lib.i18n import t


class ImportFormatError(ServiceError):
    """The file is not the expected table (wrong header, unreadable encoding or workbook)."""


class Problem(BaseModel):
    line: int
    severity: str  # "error": the row is left out; "warning": imported, with the note
    message: str


def binary(data: bytes | str | BinaryIO) -> BinaryIO:
    """The uploaded or opened file as a binary handle (text is taken as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return io.BytesIO(data) if isinstance(data, bytes) else data


def _encoding(handle: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so, else Windows-1252; read
    by chunks, so a large file is never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        handle.seek(0)


class NumberedLines:
    """The file's physical lines, numbered, for csv.reader; the lines of the record being
    read are kept in `taken`, and lines pushed back are read again before the rest."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._back: deque[tuple[int, str]] = deque()
        self.read = 0  # physical lines read from the file
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> NumberedLines:
        return self

    def __next__(self) -> str:
        if self._back:
            number, line = self._back.popleft()
        else:
            line = next(self._lines)
            self.read += 1
            number = self.read
        self.taken.append((number, line))
        return line

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(lines))


@contextmanager
def numbered_lines(handle: BinaryIO) -> Iterator[NumberedLines]:
    """The decoded, numbered lines of a binary file; a file that decodes in no known way is
    refused. The caller's file stays open."""
    text = io.TextIOWrapper(handle, encoding=_encoding(handle), newline="")
    try:
        yield NumberedLines(iter(text))
    except UnicodeDecodeError:
        raise ImportFormatError(t("import.bad_encoding")) from None
    finally:
        if not text.closed:  # a reader abandoned after the caller closed its file
            text.detach()


def csv_reader(source: NumberedLines) -> Iterator[list[str]]:
    """A strict csv.reader on `source`, its delimiter chosen from the first line: semicolons
    when the line has them and no comma (French spreadsheets), else commas."""
    first_line = next(source, "")
    source.push_back(source.taken)
    source.taken = []
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    return csv.reader(source, delimiter=delimiter, strict=True)


def csv_error_message(error: str, last: int) -> str:
    """The csv module's error on a record, in French."""
    if "field limit" in error:
        return t("import.problem.cell_too_big", max=formats.integer(csv.field_size_limit()))
    if "end of data" in error:
        return t("import.problem.open_quote_eof")
    return t("import.problem.bad_quotes", last=last)


def csv_records(source: NumberedLines, reader: Iterator[list[str]]
                ) -> Iterator[tuple[list[str] | None, str, list[tuple[int, str]]]]:
    """Each record `reader` reads from `source`: its cells (None on a csv error), the error
    ("" when none) and the physical lines it took, as (line number, text)."""
    source.taken = []
    while True:
        try:
            cells, error = next(reader), ""
        except StopIteration:
            return
        except csv.Error as exc:
            cells, error = None, str(exc)
        taken, source.taken = source.taken, []
        yield cells, error, taken
