"""Reading client-number CSV files as spreadsheets write them (R25, R29).

The file is read as a stream: memory stays flat however many rows it has.
Encoding (UTF-8 with or without BOM, else Windows-1252) is settled by a cheap
first pass over the bytes; the delimiter and the header language by the header
line. Any file that cannot be read raises ParseError with one clear message."""

import codecs
import contextlib
import csv
import io
import queue
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import batched
from typing import BinaryIO, NamedTuple

from django.utils.translation import gettext_lazy as _

from practice.csvutil import EXPORT_HEADERS, unescape_cell

DELIMITERS = (",", ";", "\t")
SNIFF_BYTES = 64 * 1024
READ_BYTES = 256 * 1024

PARSE_ERRORS = {
    "undecodable": _(
        "The file could not be read: save it as CSV in UTF-8 or Windows-1252 (Western) and try again."
    ),
    "not_csv": _("This file is not a CSV file. Export your spreadsheet as CSV and try again."),
    "no_header": _(
        "The file has no header line with the columns Company ID, Display name and Client number."
    ),
    "empty": _("The file is empty."),
    "too_large": _("The file is larger than the limit of %(limit)s."),
    "too_many_rows": _("The file has more than %(limit)s rows. Split it into several files."),
}


class ParseError(Exception):
    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(PARSE_ERRORS[self.code])
        return text % self.params if self.params else text


def _normalize_header(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip().strip('"').strip()
    text = text.replace("\u2019", "'").replace("\u02bc", "'").replace("`", "'")
    return " ".join(text.split()).casefold()


# normalized header -> (column key, language)
_HEADER_INDEX = {
    _normalize_header(title): (key, language)
    for language, titles in EXPORT_HEADERS.items()
    for key, title in zip(("company_id", "display_name", "client_number"), titles, strict=True)
}


@dataclass(frozen=True)
class CsvFormat:
    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str
    language: str  # language of the header: "en" or "fr"
    columns: tuple[int, int, int]  # positions of company ID, display name, client number
    header_line: int


class Row(NamedTuple):
    line: int
    company_id: str
    display_name: str
    client_number: str


def detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as such, else Windows-1252.

    Reads the whole stream once, in blocks, and rewinds it."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise ParseError("empty")
    if b"\x00" in head:
        raise ParseError("not_csv")
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    for candidate in (encoding, "cp1252"):
        decoder = codecs.getincrementaldecoder(candidate)()
        stream.seek(0)
        try:
            while block := stream.read(READ_BYTES):
                if b"\x00" in block:
                    raise ParseError("not_csv")
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return candidate
    raise ParseError("undecodable")


def _match_header(cells: list[str]) -> tuple[tuple[int, int, int], str] | None:
    found: dict[str, int] = {}
    languages: dict[str, str] = {}
    for position, cell in enumerate(cells):
        match = _HEADER_INDEX.get(_normalize_header(cell))
        if match and match[0] not in found:
            found[match[0]] = position
            languages[match[0]] = match[1]
    if len(found) != 3:
        return None
    columns = (found["company_id"], found["display_name"], found["client_number"])
    return columns, languages["company_id"]


def _sniff(first_line: str, encoding: str, header_line: int) -> CsvFormat:
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        matched = _match_header(cells)
        if matched:
            columns, language = matched
            return CsvFormat(encoding, delimiter, language, columns, header_line)
    raise ParseError("no_header")


class CsvReader:
    """Iterate the data rows of an uploaded client-number file.

    `reader.format` describes what was detected; iterating yields Row tuples
    with cells trimmed and formula-escaping undone, skipping blank lines."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        encoding = detect_encoding(stream)
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            self.format = self._read_header(encoding)
        except BaseException:
            self.detach()
            raise

    def _read_header(self, encoding: str) -> CsvFormat:
        header_line = 0
        for raw in self._text:
            header_line += 1
            if raw.strip().strip(",;\t"):
                return _sniff(raw.rstrip("\r\n"), encoding, header_line)
        raise ParseError("no_header" if header_line else "empty")

    def bytes_read(self) -> int:
        try:
            return self._stream.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[Row]:
        fmt = self.format
        reader = csv.reader(self._text, delimiter=fmt.delimiter, skipinitialspace=True)
        c_id, c_name, c_number = fmt.columns
        width = max(fmt.columns) + 1
        offset = fmt.header_line
        last_line = 0
        try:
            for cells in reader:
                first_line, last_line = last_line + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                company_id = cells[c_id].strip()
                name = cells[c_name].strip()
                number = cells[c_number].strip()
                if "'" in (company_id[:1], name[:1], number[:1]):
                    company_id, name, number = (
                        unescape_cell(company_id),
                        unescape_cell(name),
                        unescape_cell(number),
                    )
                yield Row(offset + first_line, company_id, name, number)
        except csv.Error as exc:
            raise ParseError("not_csv") from exc

    def detach(self) -> None:
        """Leave the underlying stream open for the caller."""
        self._text.detach()


def inspect(stream: BinaryIO, *, max_rows: int) -> tuple[CsvFormat, int]:
    """Read the whole file once: its format and number of data rows.

    Raises ParseError for unreadable files or more than `max_rows` rows."""
    reader = CsvReader(stream)
    count = 0
    try:
        for _row in reader:
            count += 1
            if count > max_rows:
                raise ParseError("too_many_rows", limit=max_rows)
    finally:
        reader.detach()
        stream.seek(0)
    return reader.format, count


_END = object()


@contextlib.contextmanager
def read_ahead(rows: Iterable, size: int, depth: int = 2) -> Iterator[Iterator[tuple]]:
    """`itertools.batched(rows, size)`, produced by a background thread up to `depth` chunks
    ahead: the file is parsed while the caller waits on the database.

    Memory stays bounded by `depth` chunks. Leaving the block early (an error,
    a limit reached) stops the thread before the block exits; an exception
    raised while reading is raised again in the caller."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in batched(rows, size):
                if not hand_over(chunk):
                    return
            hand_over(_END)
        except BaseException as exc:  # handed to the caller, raised there
            hand_over(exc)

    def consume() -> Iterator[tuple]:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    worker = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    worker.start()
    try:
        yield consume()
    finally:
        stop.set()
        worker.join()
