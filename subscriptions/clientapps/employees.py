"""The background import of the client's team members as Time employees."""

from practice.activity import activity_record
from practice.models import Firm
from subscriptions.clientapps.selectors import active_team
from subscriptions.models import AppSetup, ImportStatus, TimeAccount, TimeEmployee


def time_employees_import_run(*, firm: Firm, setup_id: int) -> int:
    """Import the chosen team members as employees of the client's Time account,
    one at a time so the page can show progress. Safe to run again: members
    already imported are skipped. Returns how many were added."""
    setup = AppSetup.objects.filter(firm=firm, pk=setup_id).select_related("client").first()
    if setup is None:
        return 0
    account = TimeAccount.objects.filter(firm=firm, setup=setup).first()
    member_ids = (setup.data.get("track") or {}).get("member_ids") or []
    if account is None or not member_ids:
        AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_status=ImportStatus.DONE)
        return 0
    AppSetup.objects.filter(firm=firm, pk=setup.pk).update(
        import_status=ImportStatus.RUNNING, import_total=len(member_ids)
    )
    members = {m.pk: m for m in active_team(setup.client)}
    added = 0
    for done, member_id in enumerate(member_ids, start=1):
        member = members.get(member_id)
        if member is not None:
            _employee, created = TimeEmployee.objects.get_or_create(
                firm=firm,
                time_account=account,
                member=member,
                defaults={"full_name": member.full_name, "email": member.email},
            )
            added += int(created)
        AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_done=done)
    AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_status=ImportStatus.DONE)
    if added:
        activity_record(
            firm=firm,
            by=None,
            verb="app.employees_imported",
            target=setup,
            changes={"employees": [None, added]},
        )
    return added
