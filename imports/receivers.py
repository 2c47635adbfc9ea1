"""How the imports app answers the clients app's hooks (connected in ImportsConfig.ready)."""

from imports import selectors


def client_history(sender, *, firm, client_id, limit, **kwargs) -> list:
    """A client's number changes by imports (and their undos) live on the import's
    rows, not in the activity log: they join the client's history from here."""
    return selectors.client_number_changes(firm=firm, client_id=client_id, limit=limit)
