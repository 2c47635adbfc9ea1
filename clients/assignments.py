"""Managing who reaches which client (R30–R32): firm-team assignments with an
optional end date, set by admins only. Every change goes to the activity log."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.models import Client, ClientAssignment, ClientStatus
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership, User
from practice.permissions import require_admin


def _check_member(*, firm: Firm, membership: Membership) -> None:
    if membership.firm_id != firm.pk:
        raise ValidationError({"membership": _("Choose a member of this firm's team.")})
    if not membership.is_active:
        raise ValidationError(
            {"membership": _("This person is deactivated: reactivate them first.")}
        )


def _check_end(ends_on: datetime.date | None) -> None:
    if ends_on is not None and ends_on < clock.today():
        raise ValidationError({"ends_on": _("The end date can't be in the past.")})


def not_the_firms_client() -> ValidationError:
    return ValidationError(_("This client is not one of the firm's clients."))


def _check_client(*, firm: Firm, client: Client) -> None:
    if client.firm_id != firm.pk:
        raise not_the_firms_client()


def _log(*, firm, by: User | None, verb: str, client: Client, membership, ends_on=None):
    changes = {"member": str(membership.user)}
    if ends_on is not None:
        changes["until"] = ends_on.isoformat()
    activity_record(firm=firm, by=by, verb=verb, target=client, changes=changes)


def _client_active(*, firm, client_id: int) -> bool | None:
    """Whether the client is active, read under a lock on its row, so that a status
    changing at the same moment is seen by the grant or updates it; None when the
    client is gone."""
    status = (
        Client.objects.select_for_update(of=("self",))
        .filter(firm=firm, pk=client_id)
        .values_list("status", flat=True)
        .first()
    )
    return None if status is None else status == ClientStatus.ACTIVE


def _grant(*, firm, client, membership, ends_on, by: Membership) -> bool:
    """Assign (or change the end date of an assignment); True when something changed."""
    current = (
        ClientAssignment.objects.select_for_update(of=("self",))
        .filter(firm=firm, client=client, membership=membership)
        .first()
    )
    if current is not None:
        if current.ends_on == ends_on:
            return False
        current.ends_on = ends_on
        current.granted_by = by.user
        current.save(update_fields=["ends_on", "granted_by"])
    else:
        active = _client_active(firm=firm, client_id=client.pk)
        if active is None:
            return False
        try:
            with transaction.atomic():
                ClientAssignment.objects.create(
                    firm=firm,
                    client=client,
                    client_active=active,
                    membership=membership,
                    ends_on=ends_on,
                    granted_by=by.user,
                )
        except IntegrityError:  # assigned at the same moment by someone else
            return False
    _log(
        firm=firm,
        by=by.user,
        verb="client.access_granted",
        client=client,
        membership=membership,
        ends_on=ends_on,
    )
    return True


@transaction.atomic
def client_assign(
    *,
    firm: Firm,
    client: Client,
    membership: Membership,
    by: Membership,
    ends_on: datetime.date | None = None,
) -> bool:
    """Put a member on the client's firm team, until `ends_on` (inclusive) if given."""
    require_admin(by, firm=firm)
    _check_client(firm=firm, client=client)
    _check_member(firm=firm, membership=membership)
    _check_end(ends_on)
    return _grant(firm=firm, client=client, membership=membership, ends_on=ends_on, by=by)


@transaction.atomic
def client_unassign(*, firm: Firm, client: Client, membership: Membership, by: Membership) -> bool:
    require_admin(by, firm=firm)
    _check_client(firm=firm, client=client)
    deleted, _rows = ClientAssignment.objects.filter(
        firm=firm, client=client, membership=membership
    ).delete()
    if deleted:
        _log(
            firm=firm,
            by=by.user,
            verb="client.access_removed",
            client=client,
            membership=membership,
        )
    return bool(deleted)


@transaction.atomic
def clients_bulk_assign(
    *,
    firm: Firm,
    clients: list[Client],
    memberships: list[Membership],
    by: Membership,
    ends_on: datetime.date | None = None,
) -> int:
    """Assign each member to each selected client; returns how many grants changed."""
    require_admin(by, firm=firm)
    _check_end(ends_on)
    for membership in memberships:
        _check_member(firm=firm, membership=membership)
    changed = 0
    for client in clients:
        _check_client(firm=firm, client=client)
        for membership in memberships:
            changed += _grant(
                firm=firm, client=client, membership=membership, ends_on=ends_on, by=by
            )
    return changed


@transaction.atomic
def clients_bulk_unassign(
    *, firm: Firm, clients: list[Client], memberships: list[Membership], by: Membership
) -> int:
    require_admin(by, firm=firm)
    changed = 0
    for client in clients:
        _check_client(firm=firm, client=client)
        for membership in memberships:
            changed += client_unassign(firm=firm, client=client, membership=membership, by=by)
    return changed


def assignments_expire(*, firm: Firm) -> int:
    """Remove the grants whose end date has passed, each logged as expired (R30).
    Access already stopped after the end date; this keeps the list and the log true."""
    expired = list(
        ClientAssignment.objects.filter(firm=firm, ends_on__lt=clock.today()).select_related(
            "client", "membership__user"
        )
    )
    for grant in expired:
        with transaction.atomic():
            if ClientAssignment.objects.filter(firm=firm, pk=grant.pk).delete()[0]:
                _log(
                    firm=firm,
                    by=None,
                    verb="client.access_expired",
                    client=grant.client,
                    membership=grant.membership,
                    ends_on=grant.ends_on,
                )
    return len(expired)


def assignments_count(*, membership: Membership) -> int:
    return ClientAssignment.objects.filter(firm=membership.firm_id, membership=membership).count()


def assignments_hand_over(*, firm: Firm, source: Membership, target: Membership, by: User) -> int:
    """A leaving member's assignments go to their successor (kept end dates)."""
    grants = list(
        ClientAssignment.objects.filter(firm=firm, membership=source).select_related("client")
    )
    held = set(
        ClientAssignment.objects.filter(firm=firm, membership=target).values_list(
            "client_id", flat=True
        )
    )
    for grant in grants:
        if grant.client_id in held:
            continue
        active = _client_active(firm=firm, client_id=grant.client_id)
        if active is not None:
            ClientAssignment.objects.create(
                firm=firm,
                client=grant.client,
                client_active=active,
                membership=target,
                ends_on=grant.ends_on,
                granted_by=by,
            )
            _log(
                firm=firm,
                by=by,
                verb="client.access_granted",
                client=grant.client,
                membership=target,
                ends_on=grant.ends_on,
            )
    ClientAssignment.objects.filter(firm=firm, membership=source).delete()
    return len(grants)
