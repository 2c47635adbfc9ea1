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
        assert next(chunks) == [0]
        # one chunk taken, `depth` waiting in the queue, one in the reader's hand
        assert settled(1 + depth + 1) == 1 + depth + 1
        assert next(chunks) == [1]
        assert settled(2 + depth + 1) == 2 + depth + 1
