"""The name a client is searched and sorted by (search_name), made from its names."""

import unicodedata

# The names search_name joins, in this order: the display name first, so that the
# list's name order is the display names' order.
SEARCHED_NAMES = ("display_name", "company_name", "first_name", "last_name")
# Between the names a client's search_name joins (display, company, first and last
# name). A search text never holds it: normalize_search makes it a space, as it
# does every whitespace character. So a phrase is found within one name, never
# across two ("fromagerie lac" is not in "Lac Fromagerie" + "Lac Fromagerie").
NAME_SEPARATOR = "\x1f"
SEARCH_NAME_MAX_LENGTH = 400


def normalize_search(value: str) -> str:
    """Lower-case, accent-free form used for case- and accent-insensitive search,
    each run of whitespace one space."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(folded.split())


def search_key(*names: str) -> str:
    """A client's search_name: its names normalized, the empty ones left out, joined
    by NAME_SEPARATOR, cut to the column's size."""
    return NAME_SEPARATOR.join(filter(None, map(normalize_search, names)))[:SEARCH_NAME_MAX_LENGTH]
