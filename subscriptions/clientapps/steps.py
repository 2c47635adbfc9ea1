"""The setup wizard's steps: which are reached, and moving past one."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from subscriptions.models import AppSetup, SetupStep


def advance(setup: AppSetup, done: str) -> None:
    """Record `done` as saved: the furthest step moves past it, never back."""
    order = [*setup.steps, SetupStep.DONE]
    following = order[order.index(done) + 1]
    if order.index(following) > order.index(setup.step):
        setup.step = following


def lock(setup: AppSetup) -> AppSetup:
    return (
        AppSetup.objects.select_for_update(of=("self",))
        .select_related("client", "product", "subscription")
        .get(firm=setup.firm_id, pk=setup.pk)
    )


def require_step(setup: AppSetup, step: str) -> None:
    if step not in setup.steps:
        raise ValidationError(_("This step is not part of this app's setup."))
    order = [*setup.steps, SetupStep.DONE]
    if order.index(step) > order.index(setup.step):
        raise ValidationError(_("Finish the earlier steps first."))
