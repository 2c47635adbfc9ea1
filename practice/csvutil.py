"""CSV conventions shared by the client export and the client-number import.

R25 headers in both languages; spreadsheet formula injection is defused by a
leading apostrophe, which `unescape_cell` removes again on import so an exported
file re-imports unchanged."""

EXPORT_HEADERS = {
    "en": ("Company ID", "Display name", "Client number"),
    "fr": ("Numéro d'identification de l'entreprise", "Nom d'affichage", "Numéro de client"),
}
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    # Apostrophes already in front are kept and one more is added, so that
    # unescape_cell gives back exactly this text (e.g. "'=" survives).
    if text.lstrip("'").startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    if text.startswith("'") and text.lstrip("'").startswith(DANGEROUS_PREFIXES):
        return text[1:]
    return text
