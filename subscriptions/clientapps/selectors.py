"""Reads for the apps for clients, and the Time-admin invitation links."""

import datetime
import secrets

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.access import can_reach, clients_reachable
from clients.models import Client, ClientStatus, CompanyMember
from clients.search import number_or_name, search_text
from practice.models import Firm, Membership, Role, User
from practice.signing import LinkError, link_read, link_token, link_url, superseded
from practice.tenancy import get_in_firm_or_404, scopes_disabled
from subscriptions.models import (
    AppSetup,
    Product,
    ProductKind,
    SetupStatus,
    TimeAccount,
    TimeAccountAccountant,
    TimeProAccount,
)

APP_CODES = ("time", "payroll")
PICKER_LIMIT = 20


def app_products() -> list[Product]:
    return list(
        Product.objects.filter(kind=ProductKind.ADDON, is_active=True, code__in=APP_CODES)
        .prefetch_related("prices")
        .order_by("sort_order")
    )


def active_team(client: Client) -> list[CompanyMember]:
    """The client company's active team members (none for clients without a
    company account yet)."""
    if client.company_account_id is None:
        return []
    return list(
        CompanyMember.objects.filter(company_id=client.company_account_id, is_active=True).order_by(
            "full_name", "email"
        )
    )


def client_search(
    *, firm: Firm, q: str, limit: int = PICKER_LIMIT, membership: Membership | None = None
) -> list[Client]:
    """Active clients whose name contains `q` or whose client number starts with it,
    at most `limit` of them: the picker never loads the whole client list. Given
    `membership`, only the clients they reach (R31)."""
    q = search_text(q)
    if not q:
        return []
    return list(
        (Client.objects if membership is None else clients_reachable(membership=membership))
        .filter(firm=firm, status=ClientStatus.ACTIVE)
        .filter(number_or_name(firm_id=firm.pk, text=q))
        .only("pk", "display_name", "search_name", "firm_id")
        .order_by("search_name", "pk")[:limit]
    )


def _setups(firm: Firm) -> QuerySet[AppSetup]:
    return AppSetup.objects.filter(firm=firm).select_related("client", "product", "subscription")


def access_setup_by_id(*, firm: Firm, setup_id, membership: Membership | None = None) -> AppSetup:
    """One of the firm's app setups; Http404 alike for a missing one, another firm's,
    and (given `membership`) one for a client the member may not reach (R31)."""
    setup = get_in_firm_or_404(
        AppSetup.objects.select_related("client", "product", "subscription", "firm"),
        firm=firm,
        pk=setup_id,
    )
    if membership is not None and not can_reach(membership=membership, client=setup.client):
        raise Http404("No such object.")
    return setup


def setup_of(*, firm: Firm, client: Client, product: Product) -> AppSetup | None:
    """The setup of `product` already started for `client`, if any."""
    return AppSetup.objects.filter(firm=firm, client=client, product=product).first()


def setups_in_progress(
    *, firm: Firm, limit: int = 20, membership: Membership | None = None
) -> list[AppSetup]:
    """Setups not finished yet; given `membership`, of the clients they reach (R31)."""
    setups = _setups(firm).exclude(status=SetupStatus.ACTIVE)
    if membership is not None and not membership.reaches_all_clients:
        setups = setups.filter(client__in=clients_reachable(membership=membership).values("pk"))
    return list(setups.order_by("-updated_at", "-pk")[:limit])


def client_app_setups(*, client: Client) -> list[AppSetup]:
    return list(
        _setups(client.firm_id)
        .filter(client=client)
        # Prefetched: a key that is unique per firm only can't be joined in reverse.
        .prefetch_related(
            Prefetch(
                "time_account",
                TimeAccount.objects.filter(firm=client.firm_id).select_related("admin"),
            )
        )
        .order_by("product__sort_order")
    )


def time_pro_account(*, firm: Firm) -> TimeProAccount | None:
    return TimeProAccount.objects.filter(firm=firm).first()


def time_account_of(setup: AppSetup) -> TimeAccount | None:
    return (
        TimeAccount.objects.filter(firm=setup.firm_id, setup=setup)
        .select_related("admin", "pro_account")
        .first()
    )


def connected_accountants(account: TimeAccount | None) -> list[TimeAccountAccountant]:
    if account is None:
        return []
    return list(
        TimeAccountAccountant.objects.filter(
            firm=account.firm_id, time_account=account
        ).select_related("membership__user")
    )


def accountant_choices(*, firm: Firm) -> list[Membership]:
    return list(
        Membership.objects.filter(firm=firm, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


# The Time-admin invitation ---------------------------------------------------

INVITATION_SALT = "subscriptions.time_invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=14)


def time_invitation_token(account: TimeAccount) -> str:
    return link_token(salt=INVITATION_SALT, key="a", pk=account.pk, nonce=account.invitation_nonce)


def time_invitation_url(account: TimeAccount) -> str:
    return link_url("time_invitation_accept", time_invitation_token(account))


def time_invitation_expires_at(account: TimeAccount):
    if account.invitation_sent_at is None:
        return None
    return account.invitation_sent_at + INVITATION_MAX_AGE


def time_invitation_from_token(token: str) -> TimeAccount:
    """Resolve a Time invitation link: the signed token is the only key, so this
    runs outside any firm. Raises LinkError with a message for the person
    holding the link."""
    expired = _("This invitation has expired. Ask your accountant to send it again.")
    pk, nonce = link_read(
        token,
        salt=INVITATION_SALT,
        key="a",
        max_age=INVITATION_MAX_AGE.total_seconds(),
        expired=expired,
    )
    with scopes_disabled():
        account = (
            TimeAccount.objects.select_related("firm", "client", "admin", "setup__product")
            .filter(pk=pk)
            .first()
        )
    if (
        account is None
        or not account.invitation_nonce
        or not secrets.compare_digest(account.invitation_nonce, nonce)
    ):
        raise superseded()
    if account.accepted_at is not None:
        raise LinkError(_("This invitation has already been accepted."))
    if timezone.now() >= time_invitation_expires_at(account):
        raise LinkError(expired)
    return account


def time_account_to_invite(*, firm: Firm, time_account_id: int) -> TimeAccount | None:
    """The Time account whose admin is to be e-mailed the invitation; None once
    it was accepted or when it has no admin."""
    account = (
        TimeAccount.objects.filter(firm=firm, pk=time_account_id)
        .select_related("client", "admin", "invited_by", "setup__product")
        .first()
    )
    if account is None or account.accepted_at is not None or account.admin is None:
        return None
    return account


def time_account_accepted(*, firm: Firm, time_account_id: int) -> TimeAccount | None:
    return (
        TimeAccount.objects.filter(firm=firm, pk=time_account_id, accepted_at__isnull=False)
        .select_related("client", "admin", "invited_by")
        .first()
    )


def time_invitation_accepted_recipients(*, firm: Firm, account: TimeAccount) -> dict[str, User]:
    """Who hears that the client accepted: the accountant who sent the invitation
    and the connected accountants, else the primary admin; by e-mail address."""
    people = [a.membership.user for a in account.accountants.select_related("membership__user")]
    if account.invited_by is not None:
        people.insert(0, account.invited_by)
    if not people:
        owner = Membership.objects.filter(firm=firm, role=Role.PRIMARY_ADMIN).first()
        people = [owner.user] if owner else []
    recipients: dict[str, User] = {}
    for person in people:
        recipients.setdefault(person.email.lower(), person)
    return recipients
