"""Hooks of the clients app that the apps above answer from their AppConfig.ready().

clients never imports subscriptions, imports or billing: it announces what
happened to a client, and asks them what stands in the way of a delete."""

from django.dispatch import Signal

# Sent inside client_create's transaction with `firm`, `client` and `by` (User), and
# when an accepted accountant invitation adds the client to a firm (`by` is the
# accepting accountant; the client starts without a subscription).
client_created = Signal()

# Sent inside the change's transaction with `firm`, `clients` (the changed clients:
# one, or an iterable of several for bulk changes, which may be read only once:
# a receiver that needs them twice keeps its own list), `fields` (the names of the fields
# that changed) and `by` (User, or None). Client-number imports are announced once,
# by imports.signals.import_finished.
clients_updated = Signal()

# Sent inside the delete's transaction, just before the row goes, with `firm`,
# `client` and `by` (User, or None); also for the old firm's row of a transfer.
client_deleted = Signal()

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
