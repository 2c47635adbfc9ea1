"""CSV formula safety as spreadsheets read files (issue 14.6): whatever list
separator a spreadsheet splits on, no cell it reads starts a formula, and an
exported file imports back exactly."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice.csvutil import DANGEROUS_PREFIXES, csv_row, escape_cell, unescape_cell


def _read(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _as_spreadsheets_read(values, written_with: str) -> list[str]:
    """Every cell a spreadsheet would see, splitting on each usual separator."""
    line = csv_row([escape_cell(v) for v in values], delimiter=written_with)
    return [cell for sep in (",", ";", "\t", "|") for row in _read(line, sep) for cell in row]


@pytest.mark.parametrize("written_with", [",", ";"])
@pytest.mark.parametrize(
    "value", [";=1+1", ",=1+1", "\t=1+1", "a;@SUM(A1)", "=1+1", "＝1+1", "  =1+1", "x|=cmd"]
)
def test_no_cell_starts_a_formula_whatever_the_separator(value, written_with):
    cells = _as_spreadsheets_read([value, "plain"], written_with)
    assert not any(cell.lstrip(" \u3000").startswith(DANGEROUS_PREFIXES) for cell in cells)


def test_a_cell_with_another_separator_is_quoted():
    assert csv_row(["a;=1", "b"], delimiter=",") == '"a;=1",b\r\n'
    assert csv_row(["a,b", 'say "hi"'], delimiter=";") == '"a,b";"say ""hi"""\r\n'
    assert csv_row(["plain", 12, None], delimiter=",") == "plain,12,\r\n"


def test_full_width_and_spaced_formula_signs_are_defused():
    assert escape_cell("＝HYPERLINK()") == "'＝HYPERLINK()"
    assert escape_cell("  +1") == "'  +1"
    assert escape_cell("Boulangerie") == "Boulangerie"


@given(st.lists(st.text(), min_size=1, max_size=4), st.sampled_from([",", ";"]))
def test_an_exported_row_imports_back_exactly(values, delimiter):
    line = csv_row([escape_cell(v) for v in values], delimiter=delimiter)
    (row,) = _read(line, delimiter) or [[""]]
    assert [unescape_cell(cell) for cell in row] == values
