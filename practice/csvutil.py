"""CSV conventions shared by every export and the client-number import.

R25 headers in both languages. Spreadsheet formula injection is defused the
way spreadsheets read a file: a cell that would start a formula (also with
full-width signs, or after leading spaces) gets a leading apostrophe, which
`unescape_cell` removes again on import so an exported file re-imports
unchanged; and a cell holding any usual list separator is quoted, whatever the
file's own delimiter, so a spreadsheet that splits on another separator (";" in
French) still reads one cell and never a cell that starts with "="."""

import re

EXPORT_HEADERS = {
    "en": ("Company ID", "Display name", "Client number"),
    "fr": ("Numéro d'identification de l'entreprise", "Nom d'affichage", "Numéro de client"),
}
# ASCII formula signs, their full-width forms (which some spreadsheets fold), and
# the control characters that can end a cell early.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_LEADING_SPACES = " \u00a0\u3000"
_NEEDS_QUOTES = re.compile(r'[,;\t|"\r\n]')


def _starts_formula(text: str) -> bool:
    return text.lstrip(_LEADING_SPACES).startswith(DANGEROUS_PREFIXES)


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    # Apostrophes already in front are kept and one more is added, so that
    # unescape_cell gives back exactly this text (e.g. "'=" survives).
    if _starts_formula(text.lstrip("'")):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    if text.startswith("'") and _starts_formula(text.lstrip("'")):
        return text[1:]
    return text


def _field(value) -> str:
    text = "" if value is None else str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_row(values, *, delimiter: str = ",") -> str:
    """One CSV line (CRLF), each cell quoted when it holds a separator of any
    spreadsheet's reading, not only this file's `delimiter`."""
    fields = [_field(value) for value in values]
    if fields == [""]:
        fields = ['""']  # a lone empty cell, not an empty line
    return delimiter.join(fields) + "\r\n"
