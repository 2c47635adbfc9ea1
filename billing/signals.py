"""What the billing app announces to the apps above it."""

from django.dispatch import Signal

# Sent inside the transaction that issues a statement, with `firm` and `statement`
# (its totals are written).
statement_issued = Signal()
