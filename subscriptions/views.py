from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from clients import access as client_access
from clients.models import Client
from practice.permissions import require_admin
from practice.web import htmx_partial, partial
from subscriptions import costs, rules, selectors, services
from subscriptions.forms import AddonForm, CostForm, PlanChoiceForm, UsageForm
from subscriptions.models import DiscountPolicy, Subscription

# Checked after the lookup by id, so a missing or foreign object answers 404 to everyone.
ADMINS_ONLY = gettext_lazy("Only the firm's admins manage billing.")


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: anything else (a bare word included, which
    # redirect() would take for a view's name) goes to the default.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


def _billing_index(request, client: Client) -> str:
    url = reverse("billing:index", kwargs={"firm_slug": request.firm.slug})
    return f"{url}?q={client.client_number or client.display_name}"


def _client(request, client_id) -> Client:
    return client_access.access_client_by_id(membership=request.membership, client_id=client_id)


def _subscription(request, subscription_id) -> Subscription:
    return selectors.access_subscription_by_id(
        firm=request.firm, subscription_id=subscription_id, membership=request.membership
    )


def compare(request, firm_slug):
    """Plans side by side (the add-client form's "Compare")."""
    context = selectors.plan_comparison(firm=request.firm)
    return render(request, partial(request, "subscriptions/compare.html", "comparison"), context)


@require_http_methods(["GET", "POST"])
def usage(request, firm_slug, client_id):
    """The client's recorded usage (users, features in use), from the Products tab."""
    client = _client(request, client_id)
    current = selectors.client_usage(client=client)
    initial = {
        "users": current.users if current else 1,
        "features": list(current.features.all()) if current else [],
    }
    form = UsageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_usage_update(
                firm=request.firm,
                client=client,
                users=form.cleaned_data["users"],
                features=list(form.cleaned_data["features"]),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if htmx_partial(request):
                return render(
                    request,
                    "subscriptions/_client_products.html",
                    {
                        "client": client,
                        "products": selectors.client_products(client=client),
                        "usage_saved": True,
                    },
                )
            messages.success(request, _("Usage saved."))
            return redirect(_next_url(request, request.path))
    if htmx_partial(request):
        # The products panel again, with the errors in its usage form.
        return render(
            request,
            "subscriptions/_client_products.html",
            {
                "client": client,
                "products": selectors.client_products(client=client),
                "usage_form": form,
            },
            status=400,
        )
    return render(
        request,
        "subscriptions/usage.html",
        {
            "client": client,
            "form": form,
            "products": selectors.client_products(client=client),
            "next": _next_url(request, ""),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_http_methods(["GET", "POST"])
def subscribe(request, firm_slug, client_id):
    """R5: a client without a subscription takes a direct one later."""
    client = _client(request, client_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    form = PlanChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_start_direct(
                firm=request.firm,
                client=client,
                product=form.cleaned_data["product"],
                by=request.membership,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(client)s now subscribes to %(plan)s and pays for it directly.")
                % {"client": client, "plan": form.cleaned_data["product"].name},
            )
            return redirect(
                _next_url(request, reverse("subscriptions:usage", args=[firm_slug, client.pk]))
            )
    return render(
        request,
        "subscriptions/subscribe.html",
        {
            "client": client,
            "form": form,
            "can_subscribe": selectors.client_can_subscribe(client=client),
            "comparison": selectors.plan_comparison(firm=request.firm),
            "next": _next_url(request, ""),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def cost(request, firm_slug, client_id):
    """What will it cost: 24 months under wholesale and under direct, side by side."""
    client = _client(request, client_id)
    current = next(
        (p for p in selectors.client_products(client=client) if p.is_live),
        None,
    )
    form = CostForm(request.GET or None)
    plan = addons = None
    if form.is_bound and form.is_valid():
        plan = form.cleaned_data["plan"]
        addons = list(form.cleaned_data["addons"])
    if plan is None:
        plan = current.product if current else selectors.first_plan()
    if addons is None:
        addons = [a.product for a in current.addon_list if a.is_live] if current else []
    if not form.is_bound:
        form = CostForm(
            initial={"plan": plan.code if plan else None, "addons": [a.code for a in addons]}
        )
    projection = (
        costs.cost_projection(firm=request.firm, client=client, plan=plan, addons=addons)
        if plan
        else {"rows": [], "missing": []}
    )
    context = {
        "client": client,
        "form": form,
        "plan": plan,
        "addons": addons,
        "current": current,
        "projection": projection,
    }
    return render(request, partial(request, "subscriptions/cost.html", "projection"), context)


def _move(request, firm_slug, subscription_id, direction):
    subscription = _subscription(request, subscription_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    usage_record = selectors.client_usage(client=subscription.client)
    options = selectors.move_options(
        subscription=subscription,
        direction=direction,
        usage=usage_record,
        billing_profile_missing=selectors.billing_profile_missing(firm=request.firm),
    )
    allowed = [target for target, reasons in options if not reasons]
    form = PlanChoiceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.subscription_change_plan(
                    firm=request.firm,
                    subscription=subscription,
                    product=form.cleaned_data["product"],
                    direction=direction,
                    by=request.membership,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(client)s moved from %(old)s to %(new)s.")
                    % {
                        "client": subscription.client,
                        "old": subscription.product.name,
                        "new": form.cleaned_data["product"].name,
                    },
                )
                return redirect(_next_url(request, _billing_index(request, subscription.client)))
        status = 400
    return render(
        request,
        "subscriptions/move.html",
        {
            "subscription": subscription,
            "direction": direction,
            "options": options,
            "state_reasons": rules.state_blockers(subscription),
            "allowed": allowed,
            "form": form,
            "next": _next_url(request, ""),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def upgrade(request, firm_slug, subscription_id):
    return _move(request, firm_slug, subscription_id, rules.UPGRADE)


@require_http_methods(["GET", "POST"])
def downgrade(request, firm_slug, subscription_id):
    return _move(request, firm_slug, subscription_id, rules.DOWNGRADE)


@require_http_methods(["GET", "POST"])
def remove_wholesale(request, firm_slug, subscription_id):
    subscription = _subscription(request, subscription_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    error = ""
    if request.method == "POST":
        try:
            services.subscription_remove_from_wholesale(
                firm=request.firm, subscription=subscription, by=request.membership
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(client)s is no longer on wholesale billing: the client now pays directly.")
                % {"client": subscription.client},
            )
            return redirect(
                _next_url(request, reverse("billing:index", kwargs={"firm_slug": firm_slug}))
            )
    plans = selectors.client_products(client=subscription.client)
    plan = next((p for p in plans if p.pk == subscription.pk), subscription)
    return render(
        request,
        "subscriptions/remove_wholesale.html",
        {
            "subscription": plan,
            "error": error,
            "policy": DiscountPolicy.current(),
            "next": _next_url(request, ""),
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def addon_add(request, firm_slug, subscription_id):
    """Add Payroll or Time; on a wholesale plan, choose who pays it (R20)."""
    subscription = _subscription(request, subscription_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    form = AddonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_addon_add(
                firm=request.firm,
                subscription=subscription,
                product=form.cleaned_data["product"],
                payer=form.cleaned_data["payer"],
                by=request.membership,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(addon)s added for %(client)s.")
                % {"addon": form.cleaned_data["product"].name, "client": subscription.client},
            )
            return redirect(_next_url(request, _billing_index(request, subscription.client)))
    return render(
        request,
        "subscriptions/addon_add.html",
        {"subscription": subscription, "form": form, "next": _next_url(request, "")},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_http_methods(["GET", "POST"])
def cancel(request, firm_slug, subscription_id):
    subscription = _subscription(request, subscription_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    error = ""
    if request.method == "POST":
        try:
            services.subscription_cancel(
                firm=request.firm, subscription=subscription, by=request.membership
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(product)s was cancelled for %(client)s.")
                % {"product": subscription.product.name, "client": subscription.client},
            )
            return redirect(
                _next_url(
                    request,
                    reverse("subscriptions:usage", args=[firm_slug, subscription.client_id]),
                )
            )
    return render(
        request,
        "subscriptions/cancel.html",
        {"subscription": subscription, "error": error, "next": _next_url(request, "")},
        status=400 if error else 200,
    )
