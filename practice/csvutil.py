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
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    if len(text) >= 2 and text[0] == "'" and text[1:].startswith(DANGEROUS_PREFIXES):
        return text[1:]
    return text
