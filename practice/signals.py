"""Hooks of the practice app that higher apps answer from their AppConfig.ready().

practice never imports the apps above it: when a member's work must be handed
over, it asks whoever registered, and they act on their own data."""

from django.dispatch import Signal

# Sent with `membership`; each receiver answers how many things of its own
# (clients, assignments...) must be handed over before the member can leave.
member_workload = Signal()

# Sent inside the deactivation's transaction with `firm`, `membership` (leaving),
# `successor` (an active member, or None when the workload was zero) and `by` (User).
member_handover = Signal()

# Sent with `membership`; a receiver answers a Q on ActivityEvent limiting the log to
# what a member restricted to some clients may read, or None when it has no limit.
activity_restriction = Signal()
