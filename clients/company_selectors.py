"""Reads for client companies: the portal's pages and the profile's Team tab."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from clients.models import (
    AccountantInvitation,
    AccountantInvitationStatus,
    Client,
    Company,
    CompanyMember,
)
from practice.models import User
from practice.tenancy import firm_scope


def companies_for_user(user: User) -> list[Company]:
    """Companies whose portal `user` may open (active team member with an account)."""
    if not user.is_authenticated:
        return []
    return list(
        Company.objects.filter(members__user=user, members__is_active=True)
        .order_by("name")
        .distinct()
    )


def company_members(*, company: Company) -> QuerySet[CompanyMember]:
    return CompanyMember.objects.filter(company=company).order_by(
        "-is_active", "full_name", "email"
    )


def pending_accountant_invitations(*, company: Company) -> QuerySet[AccountantInvitation]:
    return AccountantInvitation.objects.filter(
        company=company, status=AccountantInvitationStatus.PENDING
    ).select_related("invited_by", "from_firm")


@dataclass
class Accountant:
    """One firm the company works with, as the portal shows it."""

    client: Client
    products: list = field(default_factory=list)

    @property
    def firm(self):
        return self.client.firm


def company_accountants(*, company: Company, with_products: bool = False) -> list[Accountant]:
    """The company's firms with their lead accountant and, when asked, the
    subscriptions each firm manages for it (subscriptions.selectors.client_products)."""
    from clients.company_services import connected_clients

    rows = []
    for client in connected_clients(company=company):
        row = Accountant(client=client)
        if with_products:
            from subscriptions.selectors import client_products

            with firm_scope(client.firm):
                row.products = client_products(client=client)
        rows.append(row)
    return rows
