"""What the subscriptions app announces to the apps above it."""

from django.dispatch import Signal

# Sent inside the change's transaction with `firm`, `subscription` and `change`, one
# of CHANGES: what happened to the subscription.
subscription_changed = Signal()

CHANGES = (
    "started",
    "enrolment_requested",
    "enrolled",
    "upgraded",
    "downgraded",
    "removed_from_wholesale",
    "addon_added",
    "cancelled",
    "transferred_in",
    "transferred_out",
)


def announce_change(*, firm, subscription, change: str) -> None:
    """Send subscription_changed."""
    if change not in CHANGES:
        raise ValueError(f"Unknown subscription change: {change}")
    subscription_changed.send(
        sender=type(subscription), firm=firm, subscription=subscription, change=change
    )
