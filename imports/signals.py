"""What the imports app announces to the apps above it."""

from django.dispatch import Signal

# Sent when an import or a check finishes, done or failed, inside the transaction
# that records its final status, with `firm` and `job`.
import_finished = Signal()
