"""Reading real spreadsheet files (R25, R29)."""

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from imports.parsing import CsvReader, ParseError, Row, inspect
from practice.csvutil import EXPORT_HEADERS, escape_cell
from tests.imports.factories import csv_bytes


def read(data: bytes):
    reader = CsvReader(io.BytesIO(data))
    return reader.format, list(reader)


ROWS = [["9000000000000001", "Café Dupont", "C-001"], ["9000000000000002", "Zoë & Co", "C;002"]]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("cp1252", False, "cp1252")],
)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_r29_encodings_and_delimiters(encoding, bom, expected, delimiter):
    fmt, rows = read(csv_bytes(ROWS, delimiter=delimiter, encoding=encoding, bom=bom))
    assert (fmt.encoding, fmt.delimiter, fmt.language) == (expected, delimiter, "en")
    assert rows == [Row(2, *ROWS[0]), Row(3, *ROWS[1])]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_r25_english_and_french_headers(language):
    fmt, rows = read(csv_bytes(ROWS, language=language, delimiter=";", encoding="cp1252"))
    assert fmt.language == language
    assert [r.client_number for r in rows] == ["C-001", "C;002"]


def test_r25_header_variants_extra_columns_and_order():
    header = [
        "Notes",
        "client NUMBER ",
        "Numéro d’identification de l’entreprise",
        "Nom d'affichage",
        "Error",
    ]
    data = csv_bytes([["n", "X-1", "9000000000000001", "A", "Unknown company ID."]], header=header)
    fmt, rows = read(data)
    assert fmt.columns == (2, 3, 1)
    assert rows == [Row(2, "9000000000000001", "A", "X-1")]


def test_r29_quoted_fields_crlf_blank_and_trailing_empty_lines():
    data = (
        b"\r\n"
        b'"Company ID","Display name","Client number"\r\n'
        b'"9000000000000001","Dupont, ""fils""",  "A-1"\r\n'
        b",,\r\n"
        b" , ,\r\n"
        b'9000000000000002,"Multi\r\nline",B-2\r\n'
        b"\r\n\r\n\r\n"
    )
    fmt, rows = read(data)
    assert fmt.delimiter == ","
    assert rows == [
        Row(3, "9000000000000001", 'Dupont, "fils"', "A-1"),
        Row(6, "9000000000000002", "Multi\r\nline", "B-2"),
    ]


def test_short_rows_are_padded():
    _fmt, rows = read(b"Company ID,Display name,Client number\n9000000000000001,A\n")
    assert rows == [Row(2, "9000000000000001", "A", "")]


def test_formula_escaped_cells_are_unescaped():
    _fmt, rows = read(
        csv_bytes([["9000000000000001", escape_cell("=SUM(A1)"), escape_cell("-12")]])
    )
    assert rows == [Row(2, "9000000000000001", "=SUM(A1)", "-12")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_csv"),
        (b"Name,Number\r\nA,1\r\n", "no_header"),
        (b"9000000000000001,A,1\r\n", "no_header"),
        (b"Company ID,Display name,Client number\r\n\x81\x8d\x8f\xc3\x28", "undecodable"),
    ],
)
def test_r29_unreadable_files_get_one_clear_message(data, code):
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(data), max_rows=10)
    assert info.value.code == code
    assert info.value.message


def test_r27_row_limit_is_checked_while_reading():
    data = csv_bytes([["1", "a", "b"]] * 11)
    with pytest.raises(ParseError) as info:
        inspect(io.BytesIO(data), max_rows=10)
    assert info.value.code == "too_many_rows"
    fmt, count = inspect(io.BytesIO(data), max_rows=11)
    assert count == 11


# Any text a spreadsheet cell can hold in both encodings (cp1252 has no C0 controls
# apart from tab/CR/LF, and a cell's surrounding spaces are trimmed by design).
cell = st.text(
    alphabet=st.characters(
        codec="cp1252", exclude_categories=("Cc", "Cs"), exclude_characters="\x81\x8d\x8f\x90\x9d"
    ),
    max_size=30,
).map(str.strip)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(cell.filter(bool), cell, cell), min_size=1, max_size=30),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    language=st.sampled_from(["en", "fr"]),
)
def test_r29_round_trip_through_csv(rows, delimiter, encoding, language):
    """Valid rows written by the csv module survive parsing, whatever the
    delimiter, encoding, header language or formula-like content."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS[language])
    writer.writerows([[escape_cell(v) for v in r] for r in rows])
    data = buffer.getvalue().encode(encoding)
    if encoding == "cp1252" and not data.isascii():
        # Windows-1252 bytes that also happen to be valid UTF-8 (such as "à\xa0¡")
        # are read as UTF-8: the one ambiguity of detection, absent from real files.
        try:
            data.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    fmt, parsed = read(data)
    assert (fmt.delimiter, fmt.language) == (delimiter, language)
    assert [(r.company_id, r.display_name, r.client_number) for r in parsed] == list(rows)


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab"), max_size=8))
def test_escaped_cells_unescape_to_the_same_text(text):
    """R28: what the error log (or the export) writes re-imports unchanged."""
    from practice.csvutil import DANGEROUS_PREFIXES, unescape_cell

    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert not escaped.startswith(DANGEROUS_PREFIXES)


def test_read_ahead_yields_every_chunk_in_order():
    from imports.parsing import read_ahead

    with read_ahead(iter(range(23)), 5) as chunks:
        got = list(chunks)
    assert got == [
        (0, 1, 2, 3, 4),
        (5, 6, 7, 8, 9),
        (10, 11, 12, 13, 14),
        (15, 16, 17, 18, 19),
        (20, 21, 22),
    ]


def test_read_ahead_raises_a_reading_error_in_the_caller():
    from imports.parsing import ParseError, read_ahead

    def rows():
        yield from range(7)
        raise ParseError("not_csv")

    seen = []
    with pytest.raises(ParseError) as caught, read_ahead(rows(), 5) as chunks:
        for chunk in chunks:
            seen.append(chunk)
    assert caught.value.code == "not_csv"
    assert seen == [(0, 1, 2, 3, 4)]


def test_read_ahead_stops_its_thread_when_the_caller_leaves_early():
    import threading

    from imports.parsing import read_ahead

    def endless():
        n = 0
        while True:
            yield n
            n += 1

    with pytest.raises(RuntimeError), read_ahead(endless(), 3) as chunks:
        assert next(chunks) == (0, 1, 2)
        raise RuntimeError("limit reached")
    assert not any(t.name == "import-read-ahead" and t.is_alive() for t in threading.enumerate())
