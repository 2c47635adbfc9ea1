"""What the client's Time account imports and tracks (R24)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practice.activity import activity_record
from practice.models import Firm, Membership
from subscriptions.clientapps.selectors import active_team
from subscriptions.clientapps.steps import advance, lock, require_step
from subscriptions.clientapps.tasks import time_employees_import
from subscriptions.models import AppSetup, ImportStatus, SetupStep, TimeAccount, TimeEmployee

TRACK_CHOICES = [
    ("employees", gettext_lazy("Team members, as employees")),
    ("customers_jobs", gettext_lazy("Customers and jobs")),
    ("service_items", gettext_lazy("Service items")),
]


@transaction.atomic
def app_tracking_save(
    *,
    firm: Firm,
    setup: AppSetup,
    track: list[str],
    member_ids: list[int],
    by: Membership,
) -> AppSetup:
    """What the Time account imports and tracks. Importing the chosen team members
    as employees runs in the background (time_employees_import)."""
    setup = lock(setup)
    require_step(setup, SetupStep.TRACK)
    account = TimeAccount.objects.filter(firm=firm, setup=setup).first()
    if account is None:
        raise ValidationError(_("Connect the client's Time account first."))
    track = [t for t in dict(TRACK_CHOICES) if t in set(track)]
    team = {m.pk: m for m in active_team(setup.client)}
    chosen = sorted({int(i) for i in member_ids})
    if "employees" in track:
        unknown = [i for i in chosen if i not in team]
        if unknown:
            raise ValidationError({"members": _("Choose among the client's active team members.")})
        if not chosen:
            raise ValidationError({"members": _("Choose the team members to import as employees.")})
    else:
        chosen = []
    setup.data["track"] = {"items": track, "member_ids": chosen}
    advance(setup, SetupStep.TRACK)
    if chosen:
        setup.import_status = ImportStatus.QUEUED
        setup.import_total = len(chosen)
        setup.import_done = TimeEmployee.objects.filter(
            firm=firm, time_account=account, member_id__in=chosen
        ).count()
        firm_id, setup_id = firm.pk, setup.pk

        def enqueue():
            time_employees_import.delay(firm_id, setup_id)

        transaction.on_commit(enqueue)
    else:
        setup.import_status, setup.import_total, setup.import_done = ImportStatus.NONE, 0, 0
    setup.save(
        update_fields=[
            "data",
            "step",
            "import_status",
            "import_total",
            "import_done",
            "updated_at",
        ]
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.tracking_saved",
        target=setup,
        changes={"track": [None, ", ".join(track) or "—"]},
    )
    return setup
