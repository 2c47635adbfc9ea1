"""Reads for the apps pages."""

from django.db.models import Q, QuerySet

from clients.models import Client, ClientStatus, normalize_search
from practice.models import Firm, Membership
from subscriptions.models import AppSetup, SetupStatus, TimeAccount, TimeAccountAccountant

PICKER_LIMIT = 20


def client_search(*, firm: Firm, q: str, limit: int = PICKER_LIMIT) -> list[Client]:
    """Active clients whose name contains `q` or whose client number starts with it,
    at most `limit` of them: the picker never loads the whole client list."""
    # The database refuses NUL characters in text: a crafted query would 500.
    q = (q or "").replace("\x00", "").strip()
    if not q:
        return []
    condition = Q(client_number__startswith=q)
    name = normalize_search(q)
    if name:
        condition |= Q(search_name__contains=name)
    return list(
        Client.objects.filter(firm=firm, status=ClientStatus.ACTIVE)
        .filter(condition)
        .only("pk", "display_name", "client_number", "search_name", "firm_id")
        .order_by("search_name", "pk")[:limit]
    )


def _setups(firm: Firm) -> QuerySet[AppSetup]:
    return AppSetup.objects.filter(firm=firm).select_related("client", "product", "subscription")


def setups_in_progress(*, firm: Firm, limit: int = 20) -> list[AppSetup]:
    return list(
        _setups(firm).exclude(status=SetupStatus.ACTIVE).order_by("-updated_at", "-pk")[:limit]
    )


def client_app_setups(*, client: Client) -> list[AppSetup]:
    setups = list(
        _setups(client.firm_id)
        .filter(client=client)
        .select_related("time_account", "time_account__admin")
        .order_by("product__sort_order")
    )
    return setups


def setups_by_subscription(*, firm: Firm, subscription_ids: list[int]) -> dict[int, AppSetup]:
    return {
        s.subscription_id: s
        for s in AppSetup.objects.filter(firm=firm, subscription_id__in=subscription_ids)
    }


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
