"""Writes for clients (R4–R12). Every change is recorded in the firm's activity log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from clients import signals
from clients.access import clients_reachable
from clients.models import (
    CLIENT_NUMBER_MAX_LENGTH,
    BillingChoice,
    Client,
    ClientAssignment,
    ClientListPreference,
    ClientNumber,
    ClientStatus,
    Company,
)
from clients.selectors import client_history
from practice.activity import activity_record
from practice.integrity import unique_or_error
from practice.models import Firm, Membership, User

# Fields a person edits (R10); company_id, billing and status have their own paths.
EDITABLE_FIELDS = (
    "client_type",
    "display_name",
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "notes",
    "client_number",
    "lead_accountant",
    "firm_is_primary_admin",
    "tax_preparation_status",
    "tax_return_status",
)


class ClientConflict(ValidationError):
    """Someone saved the client after the editor loaded it (R10)."""


def _loggable(client: Client, name: str):
    if name == "lead_accountant":
        lead = client.lead_accountant
        return str(lead.user) if lead else None
    return getattr(client, name)


def clean_client_number(value: str | None) -> str | None:
    """R6: optional, surrounding spaces trimmed, at most 100 characters. Empty is None."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > CLIENT_NUMBER_MAX_LENGTH:
        raise ValidationError(
            {
                "client_number": _("A client number has at most %(max)d characters.")
                % {"max": CLIENT_NUMBER_MAX_LENGTH}
            }
        )
    return value


def _check_client_number(*, firm: Firm, number: str | None, exclude_pk: int | None) -> None:
    if number is None:
        return
    holder = (
        Client.objects.filter(firm=firm, number_row__number=number).exclude(pk=exclude_pk).first()
    )
    if holder is not None:
        raise ValidationError(
            {
                "client_number": _(
                    "The client number “%(number)s” is already used by %(client)s. "
                    "Choose another number, or change that client's number first."
                )
                % {"number": number, "client": holder.display_name}
            },
            code="client_number_taken",
        )


def _number_guard(*, firm: Firm, number: str | None, exclude_pk: int | None):
    """The save, for a number taken at the same moment by another request."""
    return unique_or_error(
        ClientNumber,
        "client_number_unique_per_firm",
        recheck=lambda: _check_client_number(firm=firm, number=number, exclude_pk=exclude_pk),
    )


def _check_lead(*, firm: Firm, lead: Membership | None) -> None:
    if lead is not None and (lead.firm_id != firm.pk or not lead.is_active):
        raise ValidationError({"lead_accountant": _("Choose an active member of the firm's team.")})


def _display_name(fields: dict) -> str:
    name = (fields.get("display_name") or "").strip()
    if name:
        return name
    person = " ".join(
        filter(
            None,
            [(fields.get("first_name") or "").strip(), (fields.get("last_name") or "").strip()],
        )
    )
    return (fields.get("company_name") or "").strip() or person


def _prepare(*, firm: Firm, fields: dict, exclude_pk: int | None) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    if "client_number" in fields:
        fields["client_number"] = clean_client_number(fields["client_number"])
        _check_client_number(firm=firm, number=fields["client_number"], exclude_pk=exclude_pk)
    if "lead_accountant" in fields:
        _check_lead(firm=firm, lead=fields["lead_accountant"])
    for name in ("company_name", "first_name", "last_name", "email", "phone"):
        if name in fields and fields[name] is not None:
            fields[name] = fields[name].strip()
    return fields


@transaction.atomic
def client_create(
    *,
    firm: Firm,
    by: Membership,
    billing: str = BillingChoice.NONE,
    plan_code: str = "",
    **fields,
) -> Client:
    """Add a client (R4). The subscription choice is recorded on the client, then
    handed to the subscriptions app: wholesale can only be chosen here (R5)."""
    if billing not in BillingChoice.values:
        raise ValidationError({"billing": _("Choose a subscription option.")})
    fields = _prepare(firm=firm, fields=dict(fields), exclude_pk=None)
    fields["display_name"] = _display_name(fields)
    if not fields["display_name"]:
        raise ValidationError({"display_name": _("Enter the client's name.")})
    company = Company.objects.create(name=fields["display_name"])
    client = Client(
        firm=firm,
        company_account=company,
        initial_billing=billing,
        initial_plan_code=plan_code if billing != BillingChoice.NONE else "",
        **fields,
    )
    with _number_guard(firm=firm, number=client.client_number, exclude_pk=None):
        client.save()
    activity_record(
        firm=firm,
        by=by.user,
        verb="client.created",
        target=client,
        changes={
            name: [None, _loggable(client, name)]
            for name in ("client_type", "client_number", "lead_accountant", "initial_billing")
            if _loggable(client, name) not in (None, "")
        },
    )
    signals.client_created.send(sender=Client, firm=firm, client=client, by=by.user)
    return client


@transaction.atomic
def client_update(*, firm: Firm, client: Client, by: Membership, version: int, **fields) -> Client:
    """Save an edit (R10). `version` is the one the editor loaded: when the client
    changed since, nothing is saved and ClientConflict says who changed it."""
    current = (
        Client.objects.select_for_update(of=("self",))
        .select_related("lead_accountant__user")
        .get(firm=firm, pk=client.pk)
    )
    # An import changes the number's own row, not the client's: hold that row too
    # until this edit is saved, with the version read under the lock.
    current.number_lock()
    if current.revision != version:
        # The latest edit, import or undo of an import that touched the client.
        last = next(iter(client_history(firm=firm, client_id=client.pk, limit=1)), None)
        who = str(last.actor) if last and last.actor else _("someone else")
        raise ClientConflict(
            _(
                "%(who)s saved changes to this client after you opened it. Nothing was "
                "overwritten: the form now shows their version. Apply your changes again."
            )
            % {"who": who},
            code="conflict",
        )
    fields = _prepare(firm=firm, fields=dict(fields), exclude_pk=client.pk)
    if "display_name" in fields:
        merged = {
            name: fields.get(name, getattr(current, name))
            for name in ("display_name", "company_name", "first_name", "last_name")
        }
        fields["display_name"] = _display_name(merged)
        if not fields["display_name"]:
            raise ValidationError({"display_name": _("Enter the client's name.")})
    changes = {}
    for name, value in fields.items():
        before = _loggable(current, name)
        setattr(current, name, value)
        after = _loggable(current, name)
        if before != after:
            changes[name] = [before, after]
    if not changes:
        return current
    current.version += 1
    with _number_guard(firm=firm, number=current.client_number, exclude_pk=current.pk):
        current.save()
    activity_record(firm=firm, by=by.user, verb="client.updated", target=current, changes=changes)
    signals.clients_updated.send(
        sender=Client, firm=firm, clients=[current], fields=sorted(changes), by=by.user
    )
    return current


@transaction.atomic
def client_set_status(*, firm: Firm, client: Client, by: Membership, status: str) -> Client:
    """Make a client inactive or active again (R11). Only the status changes: the
    client keeps its data and its subscriptions, wholesale billing included."""
    if status not in ClientStatus.values:
        raise ValidationError(_("Unknown status."))
    current = (
        Client.objects.select_for_update(of=("self",))
        .select_related("lead_accountant__user")  # for the clients_updated receivers
        .get(firm=firm, pk=client.pk)
    )
    if current.status == status:
        return current
    before = current.status
    current.status = status
    current.version += 1
    current.save(update_fields=["status", "version", "updated_at"])
    # The copy on the client's grants, which counts a restricted member's clients (R30).
    ClientAssignment.objects.filter(firm=firm, client=current).update(
        client_active=status == ClientStatus.ACTIVE
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="client.made_active" if status == ClientStatus.ACTIVE else "client.made_inactive",
        target=current,
        changes={"status": [before, status]},
    )
    signals.clients_updated.send(
        sender=Client, firm=firm, clients=[current], fields=["status"], by=by.user
    )
    return current


def client_delete_blockers(*, client: Client) -> list[str]:
    """R12: each unmet condition for deleting the client, with how to meet it."""
    blockers = []
    if client.firm_is_primary_admin:
        blockers.append(
            _(
                "Your firm is still this client's primary admin. Ask the client to make "
                "someone in their company the primary admin, then untick “Firm is the "
                "client's primary admin” on the client's profile."
            )
        )
    for _receiver, more in signals.client_delete_blockers.send(sender=Client, client=client):
        blockers += more or []
    return blockers


@transaction.atomic
def client_delete(*, firm: Firm, client: Client, by: Membership) -> None:
    """Delete a client permanently (R12): the primary admin only, and only when no
    condition of `client_delete_blockers` is unmet. The log keeps the name."""
    if not by.is_primary_admin or by.firm_id != firm.pk:
        raise PermissionDenied(_("Only the firm's primary admin can delete a client."))
    current = Client.objects.select_for_update(of=("self",)).get(firm=firm, pk=client.pk)
    blockers = client_delete_blockers(client=current)
    if blockers:
        raise ValidationError(blockers, code="delete_blocked")
    activity_record(
        firm=firm,
        by=by.user,
        verb="client.deleted",
        target=current,
        target_label=current.display_name,
        changes={
            "company_id": [current.company_id, None],
            "client_number": [current.client_number, None],
        },
    )
    signals.client_deleted.send(sender=Client, firm=firm, client=current, by=by.user)
    current.delete()


def _selected(*, by: Membership, client_ids: list[int]):
    """The selected clients the member reaches (R30), locked; others are skipped."""
    return (
        clients_reachable(membership=by)
        .select_for_update(of=("self",))
        .filter(pk__in=client_ids)
        .select_related("lead_accountant__user")
        .order_by("pk")
    )


@transaction.atomic
def clients_bulk_assign_lead(
    *, firm: Firm, client_ids: list[int], lead_accountant: Membership | None, by: Membership
) -> int:
    """Give the selected clients one lead accountant. Returns how many changed."""
    _check_lead(firm=firm, lead=lead_accountant)
    after = str(lead_accountant.user) if lead_accountant else None
    changed = []
    for client in _selected(by=by, client_ids=client_ids):
        before = _loggable(client, "lead_accountant")
        if client.lead_accountant_id == (lead_accountant.pk if lead_accountant else None):
            continue
        client.lead_accountant = lead_accountant
        client.version += 1
        client.save(update_fields=["lead_accountant", "version", "updated_at"])
        activity_record(
            firm=firm,
            by=by.user,
            verb="client.updated",
            target=client,
            changes={"lead_accountant": [before, after]},
        )
        changed.append(client)
    if changed:
        signals.clients_updated.send(
            sender=Client, firm=firm, clients=changed, fields=["lead_accountant"], by=by.user
        )
    return len(changed)


@transaction.atomic
def clients_bulk_set_status(
    *, firm: Firm, client_ids: list[int], status: str, by: Membership
) -> int:
    """Make the selected clients inactive or active (R11). Returns how many changed."""
    changed = 0
    for client in _selected(by=by, client_ids=client_ids):
        if client.status != status:
            client_set_status(firm=firm, client=client, by=by, status=status)
            changed += 1
    return changed


def client_list_columns_save(*, firm: Firm, membership: Membership, columns: list[str]) -> None:
    """Remember the member's column choice and order for the client list (R8)."""
    ClientListPreference.objects.update_or_create(
        firm=firm, membership=membership, defaults={"columns": columns}
    )


def lead_client_count(*, membership: Membership) -> int:
    """Clients (active or not) whose lead accountant is `membership`."""
    return Client.objects.filter(firm=membership.firm_id, lead_accountant=membership).count()


@transaction.atomic
def clients_reassign_lead(*, firm: Firm, source: Membership, target: Membership, by: User) -> int:
    """Hand every client led by `source` to `target` (used when deactivating a member)."""
    ids = list(
        Client.objects.filter(firm=firm, lead_accountant=source).values_list("pk", flat=True)
    )
    if ids:
        Client.objects.filter(firm=firm, pk__in=ids).update(lead_accountant=target)
        signals.clients_updated.send(
            sender=Client,
            firm=firm,
            clients=Client.objects.filter(firm=firm, pk__in=ids)
            .select_related("lead_accountant__user")
            .order_by("pk")
            .iterator(chunk_size=2000),
            fields=["lead_accountant"],
            by=by,
        )
        activity_record(
            firm=firm,
            by=by,
            verb="client.lead_reassigned",
            target_type="membership",
            target_label=str(target.user),
            changes={"lead_accountant": [str(source.user), str(target.user)], "clients": len(ids)},
        )
    return len(ids)


class ExportedList(models.TextChoices):
    CLIENTS = "clients", _("client list")
    SELECTION = "selection", _("selected clients")


def clients_export_record(
    *, membership: Membership, filters, sort: str, rows: int, selection: bool = False
) -> None:
    """R32: every export of clients goes to the firm's activity log: who, which
    list with which filters and sort, and how many rows were sent."""
    changes = {
        "list": ExportedList.SELECTION if selection else ExportedList.CLIENTS,
        "rows": rows,
    }
    if filters.q.strip():
        changes["search"] = filters.q.strip()
    if filters.client_type:
        changes["client_type"] = filters.client_type
    if filters.lead == "none":
        changes["lead_accountant"] = "—"
    elif filters.lead:
        lead = Membership.objects.filter(firm=membership.firm_id, pk=filters.lead).first()
        changes["lead_accountant"] = str(lead.user) if lead else filters.lead
    if filters.include_inactive and not selection:
        changes["inactive_included"] = True
    if sort != "name":
        changes["sort"] = sort
    activity_record(
        firm=membership.firm,
        by=membership.user,
        verb="clients.exported",
        target_type="firm",
        target_label=str(membership.firm),
        changes=changes,
    )
