"""Accountant invitations and firm-to-firm transfers (R22): a company invites an
accountant by e-mail to connect one more firm, or to replace the one it leaves."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import signals
from clients.companies import tasks
from clients.companies.selectors import (
    MAX_FIRMS_PER_COMPANY,
    connected_clients,
    wholesale_offer_until,
)
from clients.companies.services import check_actor, log_in_firms, now_on_billing_day
from clients.models import (
    AccountantInvitation,
    AccountantInvitationKind,
    AccountantInvitationStatus,
    BillingChoice,
    Client,
    ClientType,
    Company,
    CompanyMember,
    _new_nonce,
)
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.signing import LinkError
from practice.tenancy import scopes_disabled


def _send_accountant_invitation(invitation: AccountantInvitation, language: str) -> None:
    pk = invitation.pk
    transaction.on_commit(
        lambda: tasks.send_accountant_invitation_email.delay(pk, language), robust=True
    )


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
    user, _firm = check_actor(company=company, by=by, client=None)
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
    log_in_firms(
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
    user, _firm = check_actor(company=company, by=by, client=None)
    invitation = _pending(company, invitation)
    invitation.nonce = _new_nonce()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["nonce", "sent_at"])
    log_in_firms(
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
    user, _firm = check_actor(company=company, by=by, client=None)
    invitation = _pending(company, invitation)
    invitation.status = AccountantInvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    log_in_firms(
        company=company,
        by=user,
        verb="client.accountant_invitation_revoked",
        changes={"email": [None, invitation.email]},
    )
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
        signals.client_created.send(sender=Client, firm=firm, client=client, by=user)
        if source is not None:
            replies = signals.client_transferred.send(
                sender=Client, source=source, target=client, by=user
            )
            if any(carried for _receiver, carried in replies):
                company.wholesale_left_at = now_on_billing_day()
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
            signals.client_deleted.send(sender=Client, firm=source.firm, client=source, by=None)
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
    pk = invitation.pk
    transaction.on_commit(lambda: tasks.send_accountant_accepted_email.delay(pk), robust=True)
    return client
