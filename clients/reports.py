"""The leaver report (R32): what one member can reach now, and what they
exported in the last 90 days. Read by admins before someone leaves."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from clients.access import clients_reachable, live_grants
from clients.models import Client, ClientAssignment
from clients.services import ExportedList
from practice import clock
from practice.activity import changes_as_text, describe_changes
from practice.models import ActivityEvent, Membership

EXPORT_WINDOW_DAYS = 90


@dataclass
class ReachedClient:
    client: Client
    leads: bool
    assigned: bool
    ends_on: datetime.date | None

    @property
    def how(self) -> str:
        parts = []
        if self.leads:
            parts.append(_("Lead accountant"))
        if self.assigned:
            parts.append(_("Assigned"))
        return ", ".join(parts)


@dataclass
class ExportEntry:
    when: datetime.datetime
    list_label: str
    filters: str
    rows: int | None


@dataclass
class MemberReport:
    membership: Membership
    reaches_all: bool
    reachable_count: int
    clients: list[ReachedClient]
    exports: list[ExportEntry]
    since: datetime.date


def _reached(membership: Membership) -> list[ReachedClient]:
    """The clients a restricted member reaches: those they lead and their live grants."""
    grants = {
        grant.client_id: grant.ends_on
        for grant in ClientAssignment.objects.filter(
            live_grants(), firm=membership.firm_id, membership=membership
        )
    }
    clients = (
        clients_reachable(membership=membership, to_count=True)
        .select_related("lead_accountant__user")
        .order_by("search_name", "pk")
    )
    return [
        ReachedClient(
            client=client,
            leads=client.lead_accountant_id == membership.pk,
            assigned=client.pk in grants,
            ends_on=grants.get(client.pk),
        )
        for client in clients
    ]


def _export_entry(event: ActivityEvent) -> ExportEntry:
    changes = dict(event.changes or {})
    kind, rows = changes.pop("list", ""), changes.pop("rows", None)
    described = ActivityEvent(target_type=event.target_type, changes=changes)
    try:
        list_label = str(ExportedList(kind).label)
    except ValueError:
        list_label = str(kind)
    return ExportEntry(
        when=event.created_at,
        list_label=list_label,
        filters=changes_as_text(describe_changes(described)),
        rows=rows,
    )


def member_exports(*, membership: Membership, days: int = EXPORT_WINDOW_DAYS) -> list[ExportEntry]:
    """The member's client exports of the last `days` days, newest first."""
    since = clock.now() - datetime.timedelta(days=days)
    events = ActivityEvent.objects.filter(
        firm=membership.firm_id,
        verb="clients.exported",
        actor=membership.user_id,
        created_at__gte=since,
    ).order_by("-created_at", "-pk")
    return [_export_entry(event) for event in events]


def member_report(*, membership: Membership) -> MemberReport:
    """Which clients `membership` can reach now (all of them, or the list with how
    and until when) and which client lists they exported in the last 90 days."""
    reaches_all = membership.reaches_all_clients and membership.is_active
    clients = [] if reaches_all or not membership.is_active else _reached(membership)
    count = clients_reachable(membership=membership).count() if reaches_all else len(clients)
    return MemberReport(
        membership=membership,
        reaches_all=reaches_all,
        reachable_count=count,
        clients=clients,
        exports=member_exports(membership=membership),
        since=clock.today() - datetime.timedelta(days=EXPORT_WINDOW_DAYS),
    )
