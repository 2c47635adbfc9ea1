"""Writes for client companies: their own team, portal access, the primary-admin
handover (R12a), billing takeover, accountant invitations and firm-to-firm
transfers (R22).

A company is not owned by any firm; each firm it works with has a Client row
pointing to it. Work that spans firms lifts django-scopes explicitly and filters
on the firm itself."""

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import signals
from clients.models import (
    AccountantInvitation,
    AccountantInvitationKind,
    AccountantInvitationStatus,
    BillingChoice,
    Client,
    ClientType,
    Company,
    CompanyMember,
    CompanyRole,
    _new_nonce,
)
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership, User
from practice.tenancy import firm_scope, scopes_disabled
from practice.validators import validate_not_card_number

PORTAL_SALT = "clients.portal_invitation"
ACCOUNTANT_SALT = "clients.accountant_invitation"
MAX_FIRMS_PER_COMPANY = 2
WHOLESALE_KEPT_DAYS = 60
ASSIGNABLE_ROLES = (CompanyRole.ADMIN, CompanyRole.STANDARD, CompanyRole.TIME_TRACKING)


class LinkError(Exception):
    """A signed link that can't be used; the message is for the person holding it."""


def _now_on_billing_day() -> datetime.datetime:
    """Now, on the business day of `practice.clock`, so the 60-day window and the
    billing changes it follows count days alike."""
    return clock.now_on(clock.today())


def _max_age() -> int:
    return settings.INVITATION_MAX_AGE_DAYS * 24 * 3600


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


def connected_clients(*, company: Company) -> list[Client]:
    """The company's Client rows, one per firm it works with."""
    with scopes_disabled():
        return list(
            Client.objects.filter(company_account=company)
            .select_related("firm", "lead_accountant__user")
            .order_by("firm__name")
        )


def _log_in_firms(*, company: Company, by: User | None, verb: str, changes=None, exclude=()):
    for client in connected_clients(company=company):
        if client.firm_id in exclude:
            continue
        with firm_scope(client.firm):
            activity_record(firm=client.firm, by=by, verb=verb, target=client, changes=changes)


@transaction.atomic
def company_wholesale_left(*, client: Client) -> None:
    """Record that the client's company just left `client.firm`'s wholesale billing:
    another firm it joins within 60 days may keep the discount (R22)."""
    if not client.company_account_id:
        return
    Company.objects.filter(pk=client.company_account_id).update(
        wholesale_left_at=_now_on_billing_day(), wholesale_left_firm=client.firm_id
    )


def wholesale_offer_until(*, company: Company, firm: Firm) -> datetime.date | None:
    """Last day on which `firm` may enrol the company in wholesale, or None."""
    if company.wholesale_left_at is None or company.wholesale_left_firm_id == firm.pk:
        return None
    left_on = timezone.localtime(company.wholesale_left_at).date()
    until = left_on + datetime.timedelta(days=WHOLESALE_KEPT_DAYS)
    return until if clock.today() <= until else None


# Who may act ----------------------------------------------------------------------


def _actor(*, company: Company, by, client: Client | None):
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


def _log_member(*, firm, user, client, verb, member, changes=None):
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
    user, firm = _actor(company=company, by=by, client=client)
    full_name, email = full_name.strip(), email.strip().lower()
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's name.")})
    validate_email(email)
    _clean_role(role)
    if CompanyMember.objects.filter(company=company, email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already in the company's team.")})
    member = CompanyMember.objects.create(
        company=company, full_name=full_name, email=email, role=role
    )
    _log_member(
        firm=firm,
        user=user,
        client=client,
        verb="client.member_added",
        member=member,
        changes={"role": [None, role]},
    )
    return member


def _member_of(company: Company, member: CompanyMember) -> CompanyMember:
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
    user, firm = _actor(company=company, by=by, client=client)
    member = _member_of(company, member)
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
        _log_member(
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
    user, firm = _actor(company=company, by=by, client=client)
    member = _member_of(company, member)
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
    _log_member(
        firm=firm,
        user=user,
        client=client,
        verb="client.member_reactivated" if active else "client.member_deactivated",
        member=member,
    )
    return member


# Portal access ------------------------------------------------------------------


def portal_token(member: CompanyMember) -> str:
    return signing.dumps({"m": member.pk, "n": member.portal_nonce}, salt=PORTAL_SALT)


def portal_url(member: CompanyMember) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal_join", args=[portal_token(member)])


@transaction.atomic
def company_member_invite_portal(
    *,
    company: Company,
    member: CompanyMember,
    by: Membership | CompanyMember,
    client: Client | None = None,
    language: str = "",
) -> CompanyMember:
    """E-mail the person a link (30 days) to create an account or sign in and reach
    the company's portal. Sending again makes earlier links stop working."""
    user, firm = _actor(company=company, by=by, client=client)
    member = _member_of(company, member)
    if not member.is_active:
        raise ValidationError(_("Reactivate this person before inviting them to the portal."))
    if member.user_id:
        raise ValidationError(_("This person already has access to the portal."))
    member.portal_nonce = _new_nonce()
    member.portal_invited_at = timezone.now()
    member.portal_invited_by = user
    member.save(update_fields=["portal_nonce", "portal_invited_at", "portal_invited_by"])
    _log_member(
        firm=firm, user=user, client=client, verb="client.member_portal_invited", member=member
    )
    from clients.tasks import send_portal_invitation_email

    language = language or (firm.language if firm else settings.LANGUAGE_CODE)
    pk = member.pk
    transaction.on_commit(lambda: send_portal_invitation_email.delay(pk, language), robust=True)
    return member


def member_from_portal_token(token: str) -> CompanyMember:
    try:
        data = signing.loads(token, salt=PORTAL_SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise LinkError(
            _(
                "This invitation has expired. Ask your company's admin or your accountant to send it again."
            )
        ) from None
    except signing.BadSignature:
        raise LinkError(_("This invitation link is not valid.")) from None
    member = CompanyMember.objects.select_related("company").filter(pk=data.get("m")).first()
    if member is None or not member.is_active:
        raise LinkError(_("This invitation link is no longer valid."))
    if member.user_id is not None and not member.portal_nonce:
        raise LinkError(_("This invitation has already been accepted."))
    if not member.portal_nonce or member.portal_nonce != data.get("n"):
        raise LinkError(
            _("This invitation link is no longer valid. A newer one may have been sent.")
        )
    return member


@transaction.atomic
def portal_invitation_accept(*, member: CompanyMember, user: User) -> CompanyMember:
    """Link the person's account to their place in the company's team."""
    member = CompanyMember.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if not member.portal_nonce or member.user_id is not None or not member.is_active:
        raise LinkError(_("This invitation is no longer valid."))
    if user.email.lower() != member.email.lower():
        raise LinkError(_("This invitation is for another e-mail address."))
    if CompanyMember.objects.filter(company=member.company_id, user=user).exists():
        raise LinkError(_("You already have access to this company's portal."))
    member.user = user
    member.portal_nonce = ""
    member.save(update_fields=["user", "portal_nonce"])
    _log_in_firms(
        company=member.company,
        by=user,
        verb="client.member_joined_portal",
        changes={"member": [None, f"{member.full_name} <{member.email}>"]},
    )
    if member.portal_invited_by_id:
        from clients.tasks import send_portal_accepted_email

        pk = member.pk
        transaction.on_commit(lambda: send_portal_accepted_email.delay(pk), robust=True)
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
    _actor(company=company, by=by, client=None)
    Company.objects.select_for_update(of=("self",)).filter(pk=company.pk).first()
    current = CompanyMember.objects.filter(company=company, role=CompanyRole.PRIMARY_ADMIN).first()
    if current is not None and current.pk != by.pk:
        raise PermissionDenied(_("Only the company's primary admin can hand over the role."))
    to = _member_of(company, to)
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
            activity_record(
                firm=client.firm,
                by=by.user,
                verb="client.primary_admin_changed",
                target=client,
                changes=changes,
            )
    return to


BILLING_FIELDS = ("billing_contact", "billing_email", "billing_address", "payment_method")


@transaction.atomic
def company_billing_update(*, company: Company, by: CompanyMember, **fields) -> Company:
    """The company enters its own billing details, to pay its subscriptions
    itself once it is off a firm's wholesale billing."""
    _actor(company=company, by=by, client=None)
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
        _log_in_firms(company=company, by=by.user, verb="client.billing_details_updated")
    return company


def company_billing_is_complete(company: Company) -> bool:
    return all(getattr(company, name) for name in BILLING_FIELDS)


# Accountant invitations (R22) -------------------------------------------------


def accountant_token(invitation: AccountantInvitation) -> str:
    return signing.dumps(
        {"a": invitation.pk, "n": invitation.nonce}, salt=ACCOUNTANT_SALT, compress=True
    )


def accountant_url(invitation: AccountantInvitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "accountant_invitation", args=[accountant_token(invitation)]
    )


def _send_accountant_invitation(invitation: AccountantInvitation, language: str) -> None:
    from clients.tasks import send_accountant_invitation_email

    pk = invitation.pk
    transaction.on_commit(lambda: send_accountant_invitation_email.delay(pk, language), robust=True)


@transaction.atomic
def accountant_invitation_create(
    *,
    company: Company,
    email: str,
    kind: str,
    by: CompanyMember,
    from_firm: Firm | None = None,
    language: str = "",
) -> AccountantInvitation:
    """Invite an accountant by e-mail (R22). "add" connects one more firm (at most
    two at once); "transfer" moves the company away from `from_firm` (needed when
    it works with two firms) once the accountant accepts."""
    user, _firm = _actor(company=company, by=by, client=None)
    Company.objects.select_for_update(of=("self",)).filter(pk=company.pk).first()
    email = email.strip().lower()
    validate_email(email)
    connected = connected_clients(company=company)
    firms = {c.firm_id: c.firm for c in connected}
    if kind == AccountantInvitationKind.ADD:
        from_firm = None
        if len(firms) >= MAX_FIRMS_PER_COMPANY:
            raise ValidationError(
                {
                    "kind": _(
                        "Your company already works with two firms, the most at once. "
                        "Transfer to the new accountant instead, so that one firm is replaced."
                    )
                }
            )
    elif kind == AccountantInvitationKind.TRANSFER:
        if not firms:
            raise ValidationError(
                {"kind": _("Your company has no accountant to transfer from: add one instead.")}
            )
        if from_firm is None and len(firms) == 1:
            from_firm = next(iter(firms.values()))
        if from_firm is None or from_firm.pk not in firms:
            raise ValidationError({"from_firm": _("Choose the firm your company leaves.")})
    else:
        raise ValidationError({"kind": _("Choose whether to add an accountant or to transfer.")})
    if AccountantInvitation.objects.filter(
        company=company, email__iexact=email, status=AccountantInvitationStatus.PENDING
    ).exists():
        raise ValidationError(
            {
                "email": _(
                    "An invitation is already pending for this address. You can send it again from the list."
                )
            }
        )
    invitation = AccountantInvitation.objects.create(
        company=company, email=email, kind=kind, from_firm=from_firm, invited_by=user
    )
    _log_in_firms(
        company=company,
        by=user,
        verb="client.accountant_invited",
        changes={"email": [None, email], "kind": [None, kind]},
    )
    _send_accountant_invitation(invitation, language or user.language or settings.LANGUAGE_CODE)
    return invitation


def _pending(company: Company, invitation: AccountantInvitation) -> AccountantInvitation:
    current = (
        AccountantInvitation.objects.select_for_update(of=("self",))
        .filter(company=company, pk=invitation.pk)
        .first()
    )
    if current is None:
        raise PermissionDenied(_("No such invitation."))
    if current.status != AccountantInvitationStatus.PENDING:
        raise ValidationError(_("Only pending invitations can be changed."))
    return current


@transaction.atomic
def accountant_invitation_resend(
    *, company: Company, invitation: AccountantInvitation, by: CompanyMember, language: str = ""
) -> AccountantInvitation:
    """A fresh link, valid 30 more days; earlier links stop working."""
    user, _firm = _actor(company=company, by=by, client=None)
    invitation = _pending(company, invitation)
    invitation.nonce = _new_nonce()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["nonce", "sent_at"])
    _log_in_firms(
        company=company,
        by=user,
        verb="client.accountant_invitation_resent",
        changes={"email": [None, invitation.email]},
    )
    _send_accountant_invitation(invitation, language or user.language or settings.LANGUAGE_CODE)
    return invitation


@transaction.atomic
def accountant_invitation_revoke(
    *, company: Company, invitation: AccountantInvitation, by: CompanyMember
) -> AccountantInvitation:
    user, _firm = _actor(company=company, by=by, client=None)
    invitation = _pending(company, invitation)
    invitation.status = AccountantInvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    _log_in_firms(
        company=company,
        by=user,
        verb="client.accountant_invitation_revoked",
        changes={"email": [None, invitation.email]},
    )
    return invitation


def accountant_invitation_from_token(token: str) -> AccountantInvitation:
    """Resolve a link to a pending, unexpired invitation, or raise LinkError."""
    try:
        data = signing.loads(token, salt=ACCOUNTANT_SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise LinkError(
            _("This invitation has expired. Ask your client to send it again.")
        ) from None
    except signing.BadSignature:
        raise LinkError(_("This invitation link is not valid.")) from None
    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by", "from_firm")
        .filter(pk=data.get("a"))
        .first()
    )
    if invitation is None or invitation.nonce != data.get("n"):
        raise LinkError(
            _("This invitation link is no longer valid. A newer one may have been sent.")
        )
    if invitation.status == AccountantInvitationStatus.ACCEPTED:
        raise LinkError(_("This invitation has already been accepted."))
    if invitation.status == AccountantInvitationStatus.REVOKED:
        raise LinkError(_("This invitation was withdrawn by the client."))
    if invitation.is_expired:
        raise LinkError(_("This invitation has expired. Ask your client to send it again."))
    return invitation


def acceptance_blockers(*, invitation: AccountantInvitation, membership: Membership) -> list[str]:
    """Why `membership`'s firm can't accept the invitation (empty when it can)."""
    reasons = []
    if not membership.is_active or not membership.is_admin:
        reasons.append(_("Only the firm's admins can accept a client's invitation."))
    connected = {c.firm_id for c in connected_clients(company=invitation.company)}
    if membership.firm_id in connected:
        reasons.append(_("This firm already works with this client."))
    elif invitation.kind == AccountantInvitationKind.TRANSFER:
        leaving = invitation.from_firm_id in connected
        if not leaving and len(connected) >= MAX_FIRMS_PER_COMPANY:
            reasons.append(_("This client already works with two firms, the most at once."))
    elif len(connected) >= MAX_FIRMS_PER_COMPANY:
        reasons.append(
            _(
                "This client already works with two firms, the most at once. Ask the "
                "client to transfer to you instead."
            )
        )
    return reasons


@transaction.atomic
def accountant_invitation_accept(
    *, invitation: AccountantInvitation, membership: Membership
) -> Client:
    """The accountant accepts for one of their firms (R22): the client appears in
    that firm's client list. For a transfer, the old firm's Client row is removed
    at once (its statements keep their lines), the company leaves the old firm's
    wholesale billing and its subscriptions follow it, billed to the client; the new
    firm may put it on wholesale within 60 days of it leaving wholesale."""
    user = membership.user
    firm = membership.firm
    company = Company.objects.select_for_update(of=("self",)).get(pk=invitation.company_id)
    invitation = AccountantInvitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.status != AccountantInvitationStatus.PENDING or invitation.is_expired:
        raise LinkError(_("This invitation is no longer valid."))
    if user.email.lower() != invitation.email.lower():
        raise LinkError(_("This invitation is for another e-mail address."))
    reasons = acceptance_blockers(invitation=invitation, membership=membership)
    if reasons:
        raise ValidationError(reasons)
    with scopes_disabled():
        source = None
        if invitation.kind == AccountantInvitationKind.TRANSFER and invitation.from_firm_id:
            source = (
                Client.objects.select_for_update(of=("self",))
                .select_related("firm")
                .filter(company_account=company, firm=invitation.from_firm_id)
                .first()
            )
        client = Client(
            firm=firm,
            company_account=company,
            client_type=ClientType.BUSINESS,
            display_name=company.name,
            company_name=company.name,
            email=(source.email if source else ""),
            phone=(source.phone if source else ""),
            address=(source.address if source else ""),
            lead_accountant=membership,
            initial_billing=BillingChoice.NONE,
        )
        client.save()
        verb = "client.transferred_in" if source else "client.connected"
        activity_record(
            firm=firm,
            by=user,
            verb=verb,
            target=client,
            changes={"from_firm": [source.firm.name, firm.name]} if source else {},
        )
        if source is not None:
            replies = signals.client_transferred.send(
                sender=Client, source=source, target=client, by=user
            )
            if any(carried for _receiver, carried in replies):
                company.wholesale_left_at = _now_on_billing_day()
                company.wholesale_left_firm = source.firm
                company.save(update_fields=["wholesale_left_at", "wholesale_left_firm"])
            activity_record(
                firm=source.firm,
                by=None,
                verb="client.transferred_out",
                target=source,
                target_label=source.display_name,
                changes={
                    "company_id": [source.company_id, None],
                    "to_firm": [source.firm.name, firm.name],
                },
            )
            source.delete()
        offer = wholesale_offer_until(company=company, firm=firm)
        if offer is not None:
            client.wholesale_offer_until = offer
            client.save(update_fields=["wholesale_offer_until"])
    invitation.status = AccountantInvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_firm = firm
    try:
        invitation.save(update_fields=["status", "accepted_at", "accepted_firm"])
    except IntegrityError:  # pragma: no cover - guarded by the row lock above
        raise LinkError(_("This invitation is no longer valid.")) from None
    from clients.tasks import send_accountant_accepted_email

    pk = invitation.pk
    transaction.on_commit(lambda: send_accountant_accepted_email.delay(pk), robust=True)
    return client
