"""Subscriptions (R15–R20): read them, and upgrade, downgrade or remove a plan
from wholesale billing with the same services, rules and reasons as the
billing tab's actions menu."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router

from api.cursors import cursor_dump, cursor_load
from api.problems import ApiProblem, invalid
from api.schemas.billing import (
    MoveOption,
    PlanMove,
    SubscriptionDetailOut,
    SubscriptionListQuery,
    SubscriptionPageOut,
)
from clients import access
from practice.permissions import require_admin
from subscriptions import rules, selectors, services
from subscriptions.lists import subscriptions_for_member, subscriptions_page
from subscriptions.models import ProductKind, Subscription

router = Router()


def subscription_data(sub: Subscription) -> dict:
    price = selectors.price_of(sub.product, sub.currency)
    return {
        "id": sub.pk,
        "client_id": sub.client_id,
        "client_name": sub.client.display_name,
        "product_code": sub.product.code,
        "product_name": sub.product.name,
        "kind": sub.product.kind,
        "plan_id": sub.parent_id,
        "billing": sub.billing,
        "status": sub.status,
        "currency": sub.currency,
        "discount_rate": str(sub.discount_rate),
        "discount_until": sub.discount_until,
        "start_date": sub.start_date,
        "ended_on": sub.ended_on,
        "monthly_list_price": None if price is None else str(price),
    }


@router.get("", response=SubscriptionPageOut, summary="List subscriptions")
def subscription_list(request, query: Query[SubscriptionListQuery]):
    """Plans and add-ons of the clients the member sees on Subscriptions &
    billing (live ones unless `include_cancelled`), or of one client."""
    state = {
        "c": query.client_id,
        "b": query.billing or "",
        "x": query.include_cancelled,
    }
    after = cursor_load(query.cursor, query=state) if query.cursor else 0
    if query.client_id is not None:
        client = access.access_client_by_id(
            membership=request.membership, client_id=query.client_id
        )
        qs = subscriptions_for_member(
            membership=request.membership,
            billing=query.billing or "",
            live_only=not query.include_cancelled,
        ).filter(client=client, pk__gt=after)
        rows = list(qs.prefetch_related("product__prices")[: query.limit + 1])
        rows, more = rows[: query.limit], len(rows) > query.limit
    else:
        rows, more = subscriptions_page(
            membership=request.membership,
            billing=query.billing or "",
            live_only=not query.include_cancelled,
            after=after,
            size=query.limit,
        )
    return {
        "items": [subscription_data(sub) for sub in rows],
        "next_cursor": cursor_dump(query=state, position=rows[-1].pk) if more else None,
    }


def _subscription(request, subscription_id: int) -> Subscription:
    return selectors.access_subscription_by_id(
        firm=request.firm, subscription_id=subscription_id, membership=request.membership
    )


def _options(sub: Subscription, direction: str, usage, missing, plans) -> list[dict]:
    return [
        MoveOption(
            plan_code=target.code,
            plan_name=target.name,
            allowed=not reasons,
            reasons=[str(reason) for reason in reasons],
        ).model_dump()
        for target, reasons in selectors.move_options(
            subscription=sub,
            direction=direction,
            usage=usage,
            billing_profile_missing=missing,
            plans=plans,
        )
    ]


def _detail(request, sub: Subscription) -> dict:
    plans = selectors.catalogue(kind=ProductKind.PLAN)
    products = selectors.client_products(client=sub.client)
    plan = next((p for p in products if p.pk == sub.pk), None)
    addons = plan.addon_list if plan is not None else []
    data = subscription_data(sub)
    data["addons"] = [subscription_data(addon) for addon in addons]
    if sub.is_addon:
        data.update(upgrades=[], downgrades=[], blocked_by=[_("Add-ons have no plan to change.")])
        return data
    usage = selectors.client_usage(client=sub.client)
    missing = selectors.billing_profile_missing(firm=request.firm)
    data["upgrades"] = _options(sub, rules.UPGRADE, usage, missing, plans)
    data["downgrades"] = _options(sub, rules.DOWNGRADE, usage, missing, plans)
    data["blocked_by"] = [str(reason) for reason in rules.state_blockers(sub)]
    return data


@router.get("/{int:subscription_id}", response=SubscriptionDetailOut, summary="Get a subscription")
def subscription_get(request, subscription_id: int):
    """One subscription with its add-ons, and each upgrade and downgrade with
    whether it is allowed now and, if not, why."""
    return _detail(request, _subscription(request, subscription_id))


def _refused(exc: ValidationError) -> ApiProblem:
    return ApiProblem(
        409, _("The change was refused."), code="change_refused", conditions=exc.messages
    )


def _admin(request) -> None:
    require_admin(request.membership, message=_("Only the firm's admins manage billing."))


def _move(request, subscription_id: int, body: PlanMove, direction: str) -> dict:
    sub = _subscription(request, subscription_id)
    _admin(request)
    product = next(
        (p for p in selectors.catalogue(kind=ProductKind.PLAN) if p.code == body.plan_code), None
    )
    if product is None:
        raise invalid(["body", "plan_code"], _("Choose a plan from the catalogue."))
    try:
        services.subscription_change_plan(
            firm=request.firm,
            subscription=sub,
            product=product,
            direction=direction,
            by=request.membership,
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return _detail(request, _subscription(request, subscription_id))


@router.post(
    "/{int:subscription_id}/upgrade", response=SubscriptionDetailOut, summary="Upgrade a plan"
)
def subscription_upgrade(request, subscription_id: int, body: PlanMove):
    """Move to a higher tier (R16, R19); admins only. 409 with the reasons when
    refused (a pending enrolment, an incomplete billing profile...)."""
    return _move(request, subscription_id, body, rules.UPGRADE)


@router.post(
    "/{int:subscription_id}/downgrade", response=SubscriptionDetailOut, summary="Downgrade a plan"
)
def subscription_downgrade(request, subscription_id: int, body: PlanMove):
    """Move to a lower tier when the client uses nothing the lower plan lacks
    and has no more users than its limit (R18, R19); admins only."""
    return _move(request, subscription_id, body, rules.DOWNGRADE)


@router.post(
    "/{int:subscription_id}/remove-from-wholesale",
    response=SubscriptionDetailOut,
    summary="Remove a plan from wholesale billing",
)
def subscription_remove_from_wholesale(request, subscription_id: int):
    """The client pays directly from today, with what remains of the direct
    discount; its add-ons the firm paid follow. Admins only."""
    sub = _subscription(request, subscription_id)
    _admin(request)
    try:
        services.subscription_remove_from_wholesale(
            firm=request.firm, subscription=sub, by=request.membership
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return _detail(request, _subscription(request, subscription_id))
