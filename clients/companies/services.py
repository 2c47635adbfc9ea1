"""Writes for client companies: their own team, the primary-admin handover
(R12a) and the billing details they enter themselves. Portal access lives in
portal_access, accountant invitations and transfers (R22) in transfers.

A company is not owned by any firm; each firm it works with has a Client row
pointing to it. Work that spans firms lifts django-scopes explicitly and filters
on the firm itself."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from clients import signals
from clients.companies.selectors import BILLING_FIELDS, connected_clients
from clients.models import (
    Client,
    Company,
    CompanyMember,
    CompanyRole,
)
from practice import clock
from practice.activity import activity_record
from practice.integrity import unique_or_error
from practice.models import Membership, User
from practice.tenancy import firm_scope, scopes_disabled
from practice.validators import validate_not_card_number

ASSIGNABLE_ROLES = (CompanyRole.ADMIN, CompanyRole.STANDARD, CompanyRole.TIME_TRACKING)


def now_on_billing_day() -> datetime.datetime:
    """Now, on the business day of `practice.clock`, so the 60-day window and the
    billing changes it follows count days alike."""
    return clock.now_on(clock.today())


# Companies and their firms ----------------------------------------------------


def company_for_client(*, client: Client) -> Company:
    """The client's company account, created on first use for clients that
    predate companies."""
    if client.company_account_id:
        return client.company_account
    company = Company.objects.create(name=client.display_name)
    Client.objects.filter(firm=client.firm_id, pk=client.pk).update(company_account=company)
    client.company_account = company
    return company


def log_in_firms(*, company: Company, by: User | None, verb: str, changes=None, exclude=()):
    for client in connected_clients(company=company):
        if client.firm_id in exclude:
            continue
        with firm_scope(client.firm):
            activity_record(firm=client.firm, by=by, verb=verb, target=client, changes=changes)


@transaction.atomic
def company_wholesale_left(*, client: Client, rate=None) -> None:
    """Record that the client's company just left `client.firm`'s wholesale billing,
    with the discount rate its plan had then: another firm it joins within 60 days
    may keep that discount (R22, R38)."""
    if not client.company_account_id:
        return
    Company.objects.filter(pk=client.company_account_id).update(
        wholesale_left_at=now_on_billing_day(),
        wholesale_left_firm=client.firm_id,
        wholesale_left_rate=rate,
    )


# Who may act ----------------------------------------------------------------------


def check_actor(*, company: Company, by, client: Client | None):
    """Check `by` may manage the company's team; returns (user, firm or None).

    `by` is a firm Membership (then `client` is that firm's Client of the company)
    or a CompanyMember of the company who is an admin."""
    if isinstance(by, Membership):
        if (
            client is None
            or client.firm_id != by.firm_id
            or client.company_account_id != company.pk
            or not by.is_active
        ):
            raise PermissionDenied(_("This client is not one of your firm's clients."))
        return by.user, by.firm
    if isinstance(by, CompanyMember):
        if by.company_id != company.pk or not by.is_active or not by.is_admin:
            raise PermissionDenied(_("Only the company's admins can do this."))
        return by.user, None
    raise PermissionDenied(_("You can't do this."))


def log_member(*, firm, user, client, verb, member, changes=None):
    if firm is None:
        return
    activity_record(
        firm=firm,
        by=user,
        verb=verb,
        target=client,
        changes={"member": [None, f"{member.full_name} <{member.email}>"], **(changes or {})},
    )


# Team members ---------------------------------------------------------------------


def _clean_role(role: str) -> str:
    if role not in ASSIGNABLE_ROLES:
        raise ValidationError(
            {
                "role": _(
                    "Choose admin, standard or time tracking. The primary admin is handed over."
                )
            }
        )
    return role


def _check_new_member(*, company: Company, email: str) -> None:
    if CompanyMember.objects.filter(company=company, email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already in the company's team.")})


@transaction.atomic
def company_member_add(
    *,
    company: Company,
    full_name: str,
    email: str,
    role: str,
    by: Membership | CompanyMember,
    client: Client | None = None,
) -> CompanyMember:
    """Add a person to the client company's own team."""
    user, firm = check_actor(company=company, by=by, client=client)
    full_name, email = full_name.strip(), email.strip().lower()
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's name.")})
    validate_email(email)
    _clean_role(role)
    _check_new_member(company=company, email=email)
    with unique_or_error(
        CompanyMember,
        "company_member_email_unique",
        recheck=lambda: _check_new_member(company=company, email=email),
    ):
        member = CompanyMember.objects.create(
            company=company, full_name=full_name, email=email, role=role
        )
    log_member(
        firm=firm,
        user=user,
        client=client,
        verb="client.member_added",
        member=member,
        changes={"role": [None, role]},
    )
    return member


def member_of(company: Company, member: CompanyMember) -> CompanyMember:
    current = (
        CompanyMember.objects.select_for_update(of=("self",))
        .filter(company=company, pk=member.pk)
        .first()
    )
    if current is None:
        raise PermissionDenied(_("This person is not in the company's team."))
    return current


@transaction.atomic
def company_member_update(
    *,
    company: Company,
    member: CompanyMember,
    by: Membership | CompanyMember,
    client: Client | None = None,
    full_name: str | None = None,
    role: str | None = None,
) -> CompanyMember:
    user, firm = check_actor(company=company, by=by, client=client)
    member = member_of(company, member)
    changes = {}
    if full_name is not None and full_name.strip() and full_name.strip() != member.full_name:
        changes["full_name"] = [member.full_name, full_name.strip()]
        member.full_name = full_name.strip()
    if role is not None and role != member.role:
        if member.is_primary_admin:
            raise ValidationError(
                _("The primary admin's role changes only by handing the role to someone else.")
            )
        _clean_role(role)
        changes["role"] = [member.role, role]
        member.role = role
    if changes:
        member.save(update_fields=["full_name", "role"])
        log_member(
            firm=firm,
            user=user,
            client=client,
            verb="client.member_changed",
            member=member,
            changes=changes,
        )
    return member


@transaction.atomic
def company_member_set_active(
    *,
    company: Company,
    member: CompanyMember,
    active: bool,
    by: Membership | CompanyMember,
    client: Client | None = None,
) -> CompanyMember:
    """Deactivate (no more portal access) or reactivate a company team member."""
    user, firm = check_actor(company=company, by=by, client=client)
    member = member_of(company, member)
    if member.is_active == active:
        return member
    if not active:
        if member.is_primary_admin:
            raise ValidationError(
                _("Hand the primary admin role to someone else before deactivating this person.")
            )
        if isinstance(by, CompanyMember) and by.pk == member.pk:
            raise ValidationError(_("You can't deactivate yourself."))
    member.is_active = active
    member.save(update_fields=["is_active"])
    log_member(
        firm=firm,
        user=user,
        client=client,
        verb="client.member_reactivated" if active else "client.member_deactivated",
        member=member,
    )
    return member


# The company's primary admin and billing -------------------------------------------


@transaction.atomic
def company_primary_admin_change(
    *, company: Company, to: CompanyMember, by: CompanyMember
) -> CompanyMember:
    """Make `to` the company's primary admin (R12a). The firms connected to the
    company no longer hold that role: each Client's firm_is_primary_admin becomes
    False, and each firm's activity log says so. The previous primary admin, if
    any, becomes an admin. The current primary admin decides; while the company
    has none (the firm held the role), any of its admins may."""
    check_actor(company=company, by=by, client=None)
    Company.objects.select_for_update(of=("self",)).filter(pk=company.pk).first()
    current = CompanyMember.objects.filter(company=company, role=CompanyRole.PRIMARY_ADMIN).first()
    if current is not None and current.pk != by.pk:
        raise PermissionDenied(_("Only the company's primary admin can hand over the role."))
    to = member_of(company, to)
    if not to.is_active:
        raise ValidationError(_("Choose an active member of the company's team."))
    if current is not None and current.pk == to.pk:
        raise ValidationError(_("This person is already the primary admin."))
    if current is not None:
        current.role = CompanyRole.ADMIN
        current.save(update_fields=["role"])
    to.role = CompanyRole.PRIMARY_ADMIN
    to.save(update_fields=["role"])
    with scopes_disabled():
        for client in Client.objects.select_for_update(of=("self",)).filter(
            company_account=company
        ):
            changes = {"primary_admin": [str(current) if current else None, str(to)]}
            if client.firm_is_primary_admin:
                client.firm_is_primary_admin = False
                client.version += 1
                client.save(update_fields=["firm_is_primary_admin", "version", "updated_at"])
                changes["firm_is_primary_admin"] = [True, False]
                signals.clients_updated.send(
                    sender=Client,
                    firm=client.firm,
                    clients=[client],
                    fields=["firm_is_primary_admin"],
                    by=by.user,
                )
            activity_record(
                firm=client.firm,
                by=by.user,
                verb="client.primary_admin_changed",
                target=client,
                changes=changes,
            )
    return to


@transaction.atomic
def company_billing_update(*, company: Company, by: CompanyMember, **fields) -> Company:
    """The company enters its own billing details, to pay its subscriptions
    itself once it is off a firm's wholesale billing."""
    check_actor(company=company, by=by, client=None)
    unknown = set(fields) - set(BILLING_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    if fields.get("payment_method"):
        validate_not_card_number(fields["payment_method"])
    company = Company.objects.select_for_update(of=("self",)).get(pk=company.pk)
    changed = [name for name, value in fields.items() if getattr(company, name) != value]
    for name in changed:
        setattr(company, name, fields[name])
    if changed:
        company.save(update_fields=changed)
        log_in_firms(company=company, by=by.user, verb="client.billing_details_updated")
    return company


def company_two_step_policy_set(
    *, company: Company, by: CompanyMember, required_from: datetime.date | None
) -> Company:
    """A company's admin may require two-step verification of its people in the
    portal from a date (R33); None stops requiring it."""
    check_actor(company=company, by=by, client=None)
    company.two_step_required_from = required_from
    company.save(update_fields=["two_step_required_from"])
    return company
