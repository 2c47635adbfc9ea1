"""Row ids as they arrive from outside, in addresses and in posted forms.

Every table's key is a bigint: an id past it can only be a forged one, and
SQLite refuses to even be asked about it (OverflowError), where PostgreSQL
would answer nothing. Such ids are turned away before any query: an address
holding one matches no page (404, like a missing row), a form gets its own
"not a valid choice" message."""

LARGEST_KEY = 2**63 - 1


def is_key(value) -> bool:
    """Whether a posted value reads as a row id a table could hold."""
    text = str(value).strip()
    return text.isdecimal() and int(text) <= LARGEST_KEY


class IdConverter:
    """`<id:name>` in a URL pattern: a row id, 0 to LARGEST_KEY (`<int:...>`
    matches any number of digits)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_KEY:
            raise ValueError("past any key")  # no match: 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))
