"""Reads for client companies: the portal's pages, the profile's Team tab, and the
signed links of the portal and of accountant invitations (R22).

A company is not owned by any firm; each firm it works with has a Client row
pointing to it. Reads that span firms lift django-scopes explicitly."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import (
    AccountantInvitation,
    AccountantInvitationStatus,
    Client,
    Company,
    CompanyMember,
    CompanyRole,
)
from practice import clock
from practice.models import Firm, Membership, User
from practice.signing import (
    LinkError,
    invitation_max_age,
    link_read,
    link_token,
    link_url,
    superseded,
)
from practice.tenancy import scopes_disabled

PORTAL_SALT = "clients.portal_invitation"
ACCOUNTANT_SALT = "clients.accountant_invitation"
MAX_FIRMS_PER_COMPANY = 2
WHOLESALE_KEPT_DAYS = 60
BILLING_FIELDS = ("billing_contact", "billing_email", "billing_address", "payment_method")


# Companies and their firms ----------------------------------------------------


def companies_for_user(user: User) -> list[Company]:
    """Companies whose portal `user` may open (active team member with an account)."""
    if not user.is_authenticated:
        return []
    return list(
        Company.objects.filter(members__user=user, members__is_active=True)
        .order_by("name")
        .distinct()
    )


def connected_clients(*, company: Company) -> list[Client]:
    """The company's Client rows, one per firm it works with."""
    with scopes_disabled():
        return list(
            Client.objects.filter(company_account=company)
            .select_related("firm", "lead_accountant__user")
            .order_by("firm__name")
        )


@dataclass
class Accountant:
    """One firm the company works with, as the portal shows it."""

    client: Client
    products: list = field(default_factory=list)

    @property
    def firm(self):
        return self.client.firm


def company_accountants(*, company: Company) -> list[Accountant]:
    """The company's firms with their lead accountant. The portal's views add the
    subscriptions each firm manages for it (`products`)."""
    return [Accountant(client=client) for client in connected_clients(company=company)]


def wholesale_offer_until(*, company: Company, firm: Firm) -> datetime.date | None:
    """Last day on which `firm` may enrol the company in wholesale, or None."""
    if company.wholesale_left_at is None or company.wholesale_left_firm_id == firm.pk:
        return None
    left_on = timezone.localtime(company.wholesale_left_at).date()
    until = left_on + datetime.timedelta(days=WHOLESALE_KEPT_DAYS)
    return until if clock.today() <= until else None


def client_wholesale_offer(client: Client) -> datetime.date | None:
    """The last day the firm may still put a transferred-in client on wholesale (R22)."""
    until = client.wholesale_offer_until
    return until if until is not None and clock.today() <= until else None


def company_billing_is_complete(company: Company) -> bool:
    return all(getattr(company, name) for name in BILLING_FIELDS)


# The company's team -------------------------------------------------------------


def company_members(*, company: Company) -> QuerySet[CompanyMember]:
    return CompanyMember.objects.filter(company=company).order_by(
        "-is_active", "full_name", "email"
    )


def company_has_primary_admin(*, company: Company) -> bool:
    return CompanyMember.objects.filter(company=company, role=CompanyRole.PRIMARY_ADMIN).exists()


def client_company_members(*, client: Client) -> list[CompanyMember]:
    """The team of the client's company (the profile's Team tab)."""
    if not client.company_account_id:
        return []
    return list(company_members(company=client.company_account))


def access_company_member_by_id(*, company_id: int | None, member_id) -> CompanyMember:
    """A person of the company's team; 404 alike for missing people and people of
    another company."""
    member = None
    if company_id:
        try:
            member = CompanyMember.objects.filter(company=company_id, pk=member_id).first()
        except (ValueError, TypeError):
            member = None
    if member is None:
        raise Http404("No such person.")
    return member


def portal_member(*, company_id: int, user: User) -> CompanyMember | None:
    """`user`'s active place in the company's team, which opens its portal."""
    return (
        CompanyMember.objects.select_related("company")
        .filter(company_id=company_id, user=user, is_active=True)
        .first()
    )


def access_accountant_invitation_by_id(
    *, company: Company, accountant_invitation_id
) -> AccountantInvitation:
    """One of the company's accountant invitations; 404 alike for missing ones and
    those of another company."""
    invitation = AccountantInvitation.objects.filter(
        company=company, pk=accountant_invitation_id
    ).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def pending_accountant_invitations(*, company: Company) -> QuerySet[AccountantInvitation]:
    return AccountantInvitation.objects.filter(
        company=company, status=AccountantInvitationStatus.PENDING
    ).select_related("invited_by", "from_firm")


def accepting_memberships(*, user: User) -> list[Membership]:
    """The firms for which `user` might accept an accountant invitation."""
    return list(
        Membership.unscoped.filter(user=user, is_active=True)
        .select_related("firm", "user")
        .order_by("firm__name")
    )


# Signed links ---------------------------------------------------------------------


def portal_token(member: CompanyMember) -> str:
    return link_token(salt=PORTAL_SALT, key="m", pk=member.pk, nonce=member.portal_nonce)


def portal_url(member: CompanyMember) -> str:
    return link_url("portal_join", portal_token(member))


def member_from_portal_token(token: str) -> CompanyMember:
    """Resolve a portal link to the team member it invites, or raise LinkError."""
    pk, nonce = link_read(
        token,
        salt=PORTAL_SALT,
        key="m",
        max_age=invitation_max_age(),
        expired=_(
            "This invitation has expired. Ask your company's admin or your accountant to send it again."
        ),
    )
    member = CompanyMember.objects.select_related("company").filter(pk=pk).first()
    if member is None or not member.is_active:
        raise LinkError(_("This invitation link is no longer valid."))
    if member.user_id is not None and not member.portal_nonce:
        raise LinkError(_("This invitation has already been accepted."))
    if not member.portal_nonce or member.portal_nonce != nonce:
        raise superseded()
    return member


def accountant_token(invitation: AccountantInvitation) -> str:
    return link_token(salt=ACCOUNTANT_SALT, key="a", pk=invitation.pk, nonce=invitation.nonce)


def accountant_url(invitation: AccountantInvitation) -> str:
    return link_url("accountant_invitation", accountant_token(invitation))


def accountant_invitation_from_token(token: str) -> AccountantInvitation:
    """Resolve a link to a pending, unexpired invitation, or raise LinkError."""
    expired = _("This invitation has expired. Ask your client to send it again.")
    pk, nonce = link_read(
        token, salt=ACCOUNTANT_SALT, key="a", max_age=invitation_max_age(), expired=expired
    )
    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by", "from_firm")
        .filter(pk=pk)
        .first()
    )
    if invitation is None or invitation.nonce != nonce:
        raise superseded()
    if invitation.status == AccountantInvitationStatus.ACCEPTED:
        raise LinkError(_("This invitation has already been accepted."))
    if invitation.status == AccountantInvitationStatus.REVOKED:
        raise LinkError(_("This invitation was withdrawn by the client."))
    if invitation.is_expired:
        raise LinkError(expired)
    return invitation
