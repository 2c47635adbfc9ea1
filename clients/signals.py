"""Hooks of the clients app that the apps above answer from their AppConfig.ready().

clients never imports subscriptions, imports or billing: it announces what
happened to a client, and asks them what stands in the way of a delete."""

from django.dispatch import Signal

# Sent inside client_create's transaction with `firm`, `client` and `by` (User).
client_created = Signal()

# Sent when an accepted accountant invitation moves a company to a new firm, inside
# the acceptance's transaction, with `source` (old client), `target` (new client)
# and `by` (User). Receivers answer True when they carried something across.
client_transferred = Signal()

# Sent with `client`; each receiver answers a list of unmet conditions (R12),
# each a sentence saying how to meet it.
client_delete_blockers = Signal()

# Sent with `firm` and `client_id`; each receiver answers a list of history
# entries (objects with a `created_at` datetime) that live in its own tables.
client_history = Signal()
