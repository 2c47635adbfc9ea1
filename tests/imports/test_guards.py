"""Parsing guards at their edges (R27, R29)."""

import io
import threading
import time

import pytest

from imports.parsing import READ_BYTES, SNIFF_BYTES, CsvReader, ParseError, inspect, read_ahead
from tests.imports.factories import csv_bytes


def _big(rows: int) -> bytes:
    return csv_bytes([["9000000000000001", f"Client {i}", f"N{i}"] for i in range(rows)])


def test_r29_a_nul_byte_after_the_first_64_kib_is_refused_like_one_at_the_start():
    data = _big(3000)
    assert len(data) > SNIFF_BYTES + 10
    for position in (SNIFF_BYTES + 5, len(data) - 3, READ_BYTES + 5):
        forged = (data + b"x" * READ_BYTES)[:position] + b"\x00" + data[position:]
        with pytest.raises(ParseError) as info:
            inspect(io.BytesIO(forged), max_rows=10**6)
        assert info.value.code == "not_csv"


def test_r29_a_utf8_file_cut_mid_character_is_read_as_windows_1252():
    """Not every byte decodes as UTF-8 (the last character is cut), so the rule
    reads it as Windows-1252, to the end, without an error."""
    data = csv_bytes([["9000000000000001", "Café", "C-é"]])[:-2]  # CRLF off
    cut = data[:-1]  # "é" is two bytes in UTF-8: keep only the first
    reader = CsvReader(io.BytesIO(cut))
    assert reader.format.encoding == "cp1252"
    [row] = list(reader)
    assert row.display_name == "CafÃ©"
    assert row.client_number == "C-Ã"


def test_r29_a_character_across_a_read_block_boundary_is_still_utf8():
    names = ["é" * 100] * (READ_BYTES // 200 + 20)
    for pad in ("", "x"):
        rows = [["9000000000000001", name, "N1"] for name in names]
        rows[0][2] += pad  # shifts every later byte by one
        data = csv_bytes(rows)
        if data[READ_BYTES - 1] == 0xC3:  # "é" starts one block and ends the next
            break
    assert data[READ_BYTES - 1 : READ_BYTES + 1] == "é".encode()
    reader = CsvReader(io.BytesIO(data))
    assert reader.format.encoding == "utf-8"
    assert [row.display_name for row in reader] == names


def test_r27_the_too_many_rows_message_names_the_limit():
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(_big(8)), max_rows=5)
    assert info.value.code == "too_many_rows"
    assert info.value.params == {"limit": 5}
    assert "more than 5 rows" in info.value.message


@pytest.mark.parametrize("data", [b",,,\r\n;;;\r\n\t\t\r\n", b",,\r\n", b" , ; \r\n,,"])
def test_r29_a_file_of_delimiters_only_gets_the_no_header_message(data):
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(data), max_rows=10)
    assert info.value.code == "no_header"
    assert "Company ID" in info.value.message


def test_r29_lines_of_delimiters_before_the_header_are_skipped():
    data = b",,,\r\n;;\r\n" + csv_bytes([["9000000000000001", "A", "N1"]])
    fmt, count = inspect(io.BytesIO(data), max_rows=10)
    assert (fmt.header_line, fmt.delimiter, count) == (3, ",", 1)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_read_ahead_reads_no_more_than_depth_chunks_ahead(depth):
    """The reader runs at most `depth` chunks ahead of the caller (plus the one it
    holds waiting for room): memory stays bounded."""
    pulled = 0
    lock = threading.Lock()

    def rows():
        nonlocal pulled
        for i in range(1000):
            with lock:
                pulled += 1
            yield i

    def settled(expected):
        """The count once the reader has filled what room it has (and had time for more)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if pulled >= expected:
                    break
            time.sleep(0.02)
        time.sleep(0.3)
        with lock:
            return pulled

    with read_ahead(rows(), 1, depth=depth) as chunks:
        assert next(chunks) == (0,)
        # one chunk taken, `depth` waiting in the queue, one in the reader's hand
        assert settled(1 + depth + 1) == 1 + depth + 1
        assert next(chunks) == (1,)
        assert settled(2 + depth + 1) == 2 + depth + 1


# Header spellings ------------------------------------------------------------------

ROW = ["9000000000000001", "Café Dupont", "C-1"]


def _header_line(*cells: str, delimiter: str = ",") -> bytes:
    return (delimiter.join(cells) + "\r\n" + delimiter.join(ROW) + "\r\n").encode()


@pytest.mark.parametrize(
    "cells",
    [
        # Quotes left inside a cell (a space before the opening quote keeps them).
        ('"Company ID"', ' "Display name"', ' "Client number" '),
        # A byte order mark inside the line (files pasted together).
        ("Company ID", "\ufeffDisplay name", "Client number\ufeff"),
        # Apostrophes as keyboards and word processors type them.
        (
            "Numéro d\u02bcidentification de l\u02bcentreprise",
            "Nom d`affichage",
            "Numéro de client",
        ),
        (
            "Numéro d\u2019identification de l`entreprise",
            "Nom d\u02bcaffichage",
            "Numéro de client",
        ),
        # Spaces and case.
        ("company   id", "DISPLAY NAME", "Client\u00a0number"),
    ],
)
def test_r25_header_cells_are_recognised_as_spreadsheets_write_them(cells):
    reader = CsvReader(io.BytesIO(_header_line(*cells)))
    assert reader.format.columns == (0, 1, 2)
    assert [tuple(row[1:]) for row in reader] == [tuple(ROW)]


def test_r25_a_column_named_twice_is_read_from_its_first_place():
    data = _header_line("Client number", "Company ID", "Display name", "Client number")
    reader = CsvReader(io.BytesIO(data.replace(b"C-1", b"C-1,C-2", 1)))
    assert reader.format.columns == (1, 2, 0)
    [row] = list(reader)
    assert (row.company_id, row.client_number) == ("Café Dupont", "9000000000000001")


def test_r29_a_header_too_long_for_one_delimiter_is_tried_with_the_next():
    """A comma-split of this line is one cell over the csv module's field limit; the
    semicolon split is the header."""
    extra = ";".join(f"Note {i:05}" for i in range(15_000))
    assert len(extra) > 131_072
    data = f"Company ID;Display name;Client number;{extra}\r\n9000000000000001;A;N1\r\n"
    reader = CsvReader(io.BytesIO(data.encode()))
    assert (reader.format.delimiter, reader.format.columns) == (";", (0, 1, 2))
    assert [row.client_number for row in reader] == ["N1"]


@pytest.mark.parametrize("title", ["Clients", "XX", "Export;X"])
def test_r29_a_title_line_above_the_header_gets_the_no_header_message(title):
    data = title.encode() + b"\r\n" + csv_bytes([ROW])
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(data), max_rows=10)
    assert info.value.code == "no_header"


def test_r29_a_cell_over_the_field_limit_in_the_rows_is_not_csv():
    data = csv_bytes([ROW, ["9000000000000002", "B" * 200_000, "N2"]])
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(data), max_rows=10)
    assert info.value.code == "not_csv"
    assert "not a CSV file" in info.value.message


# Streaming -------------------------------------------------------------------------


class _Recorded(io.BytesIO):
    """A file that remembers the size of every read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.sizes = []

    def read(self, size=-1):
        self.sizes.append(size)
        return super().read(size)


def test_r27_the_file_is_read_in_blocks_never_whole():
    stream = _Recorded(_big(30_000))
    assert stream.getbuffer().nbytes > 2 * READ_BYTES
    fmt, count = inspect(stream, max_rows=10**6)
    assert count == 30_000
    assert stream.sizes
    assert all(size is not None and 0 < size <= READ_BYTES for size in stream.sizes)


def test_r27_inspect_leaves_the_file_at_its_start():
    stream = io.BytesIO(_big(10))
    inspect(stream, max_rows=100)
    assert stream.tell() == 0
    assert stream.read() == _big(10)


def test_r27_bytes_read_follows_the_reader_through_the_file():
    data = _big(20_000)
    stream = io.BytesIO(data)
    reader = CsvReader(stream)
    seen = []
    for number, _row in enumerate(reader):
        if number % 5_000 == 0:
            seen.append(reader.bytes_read())
    assert 0 < seen[0] < seen[-1] <= len(data)
    assert seen == sorted(seen)
    assert reader.bytes_read() == len(data)
    reader.detach()
    stream.close()
    assert reader.bytes_read() == 0


@pytest.mark.parametrize(
    "cells",
    [
        ('"Company IDX"', "Display name", "Client number"),
        ("Company ID", "Display name", "Client numberX"),
        ("Company ID", "XDisplay name", "Client number"),
    ],
)
def test_r25_a_header_cell_with_more_than_the_title_is_not_that_column(cells):
    with pytest.raises(ParseError) as info:
        CsvReader(io.BytesIO(_header_line(*cells)))
    assert info.value.code == "no_header"
