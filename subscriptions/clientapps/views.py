"""Apps for clients: the catalogue, "Get app" and the setup wizard (R23, R24),
and the public page where the client's admin accepts the Time invitation."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from clients import access as client_access
from clients.models import Client
from practice.permissions import require_admin
from practice.web import apply_errors, htmx_partial, htmx_target, partial
from subscriptions import selectors
from subscriptions.clientapps import selectors as app_selectors
from subscriptions.clientapps.forms import (
    AccountForm,
    AdminForm,
    InstallForm,
    PayrollForm,
    ProAccountForm,
    TrackForm,
)
from subscriptions.clientapps.install import app_blockers, app_install
from subscriptions.clientapps.invitations import MAX_CONNECTED_ACCOUNTANTS, time_admin_invite
from subscriptions.clientapps.payroll import PayPeriod, app_payroll_save
from subscriptions.clientapps.time_accounts import time_account_connect, time_pro_account_register
from subscriptions.clientapps.tracking import app_tracking_save
from subscriptions.models import (
    AppSetup,
    Billing,
    DiscountPolicy,
    ImportStatus,
    Product,
    SetupStep,
    TimeAccountOrigin,
)

WIZARD = "subscriptions/app_setup.html"
PROGRESS = "subscriptions/_import_progress.html"


def _client_from(request, key: str = "client") -> Client | None:
    value = request.POST.get(key) or request.GET.get(key)
    if not value:
        return None
    return client_access.access_client_by_id(membership=request.membership, client_id=value)


def _setup(request, setup_id):
    return app_selectors.access_setup_by_id(
        firm=request.firm, setup_id=setup_id, membership=request.membership
    )


def _app_product(request) -> Product:
    code = request.POST.get("app") or request.GET.get("app") or ""
    for product in app_selectors.app_products():
        if product.code == code:
            return product
    raise Http404("No such app.")


def _with_prices(products, currency):
    policy = DiscountPolicy.current()
    for product in products:
        product.list_price = selectors.price_of(product, currency)
        product.wholesale_price = (
            None
            if product.list_price is None
            else selectors.discounted(product.list_price, policy.wholesale_rate)
        )
    return products


@require_GET
def apps(request, firm_slug):
    """Apps for clients: pick a client (search, never a full list), browse the
    catalogue, resume a setup in progress."""
    q = request.GET.get("q", "")
    client = _client_from(request)
    results = app_selectors.client_search(firm=request.firm, q=q, membership=request.membership)
    if htmx_target(request) == "client-results":
        return render(
            request,
            "subscriptions/_client_results.html",
            {"q": q, "results": results, "pick_url": request.path, "app_code": ""},
        )
    products = _with_prices(app_selectors.app_products(), request.firm.currency)
    client_setups = {}
    if client is not None:
        client_setups = {s.product_id: s for s in app_selectors.client_app_setups(client=client)}
    for product in products:
        product.setup = client_setups.get(product.pk)
    return render(
        request,
        "subscriptions/apps.html",
        {
            "q": q,
            "results": results,
            "client": client,
            "products": products,
            "in_progress": app_selectors.setups_in_progress(
                firm=request.firm, membership=request.membership
            ),
            "pick_url": request.path,
            "app_code": "",
        },
    )


@require_http_methods(["GET", "POST"])
def app_get(request, firm_slug):
    """An app's page and "Get app": install it for a client with a billing type."""
    product = _app_product(request)
    client = _client_from(request)
    q = request.GET.get("q", "")
    results = (
        app_selectors.client_search(firm=request.firm, q=q, membership=request.membership)
        if client is None
        else []
    )
    if htmx_target(request) == "client-results":
        return render(
            request,
            "subscriptions/_client_results.html",
            {"q": q, "results": results, "pick_url": request.path, "app_code": product.code},
        )
    blockers, plan, existing = [], None, None
    if client is not None:
        existing = app_selectors.setup_of(firm=request.firm, client=client, product=product)
        plan = selectors.live_plan(client)
        if existing is None:
            blockers = app_blockers(firm=request.firm, client=client, product=product)
    form = InstallForm(request.POST or None)
    client_pays_plan = plan is not None and plan.billing == Billing.DIRECT
    status = 200
    if request.method == "POST":
        if client is None:
            form.add_error(None, _("Choose the client to install the app for."))
        elif form.is_valid():
            try:
                setup = app_install(
                    firm=request.firm,
                    client=client,
                    product=product,
                    payer=form.cleaned_data["payer"],
                    by=request.membership,
                )
            except PermissionDenied as exc:
                form.add_error("payer", str(exc))
                status = 403
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(app)s is installed for %(client)s.")
                    % {"app": product.name, "client": client},
                )
                return redirect("subscriptions:app_setup", firm_slug, setup.pk)
        if status == 200:
            status = 400
    _with_prices([product], request.firm.currency)
    return render(
        request,
        "subscriptions/app_get.html",
        {
            "product": product,
            "client": client,
            "q": q,
            "results": results,
            "blockers": blockers,
            "plan": plan,
            "existing": existing,
            "form": form,
            "client_pays_plan": client_pays_plan,
            "policy": DiscountPolicy.current(),
            "pick_url": request.path,
            "app_code": product.code,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def time_pro_account(request, firm_slug):
    """Connect the firm's Time pro account (once per firm, admins)."""
    form = ProAccountForm(request.POST or None)
    back = request.POST.get("setup") or request.GET.get("setup")
    setup = _setup(request, back) if back else None
    existing = app_selectors.time_pro_account(firm=request.firm)
    status = 200
    if request.method == "POST":
        require_admin(
            request.membership,
            message=_("Only the firm's admins connect the firm's Time pro account."),
        )
        if form.is_valid():
            try:
                time_pro_account_register(
                    firm=request.firm,
                    account_name=form.cleaned_data["account_name"],
                    account_id=form.cleaned_data["account_id"],
                    by=request.membership,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The firm's Time pro account is connected."))
                if setup is not None:
                    return redirect(
                        reverse("subscriptions:app_setup", args=[firm_slug, setup.pk])
                        + "?step=account"
                    )
                return redirect("subscriptions:apps", firm_slug)
        status = 400
    return render(
        request,
        "subscriptions/time_pro_account.html",
        {"form": form, "existing": existing, "setup": setup},
        status=status,
    )


# The wizard ------------------------------------------------------------------


def _step_url(setup: AppSetup, step: str) -> str:
    url = reverse("subscriptions:app_setup", args=[setup.firm.slug, setup.pk])
    return f"{url}?step={step}"


def _reached(setup: AppSetup, step: str) -> bool:
    order = [*setup.steps, SetupStep.DONE]
    return step in order and order.index(step) <= order.index(setup.step)


def _initial_payroll(setup: AppSetup) -> dict:
    saved = setup.data.get("payroll") or {}
    if not saved:
        return {
            "pay_period": PayPeriod.BIWEEKLY,
            "weekly_overtime_hours": "40",
            "overtime_multiplier": "1.5",
        }
    initial = dict(saved)
    if saved.get("period_start"):
        initial["period_start"] = datetime.date.fromisoformat(saved["period_start"])
    return initial


def _wizard_context(request, setup: AppSetup, step: str, form=None, pro_form=None) -> dict:
    team = app_selectors.active_team(setup.client)
    account = app_selectors.time_account_of(setup) if setup.is_time else None
    accountants = app_selectors.connected_accountants(account)
    if form is None:
        if step == SetupStep.ACCOUNT:
            form = AccountForm(
                initial={
                    "mode": account.origin if account else TimeAccountOrigin.NEW,
                    "account_id": account.account_id
                    if account and account.origin == TimeAccountOrigin.LINKED
                    else "",
                }
            )
        elif step == SetupStep.PAYROLL:
            form = PayrollForm(initial=_initial_payroll(setup))
        elif step == SetupStep.TRACK:
            saved = setup.data.get("track") or {}
            form = TrackForm(
                team=team,
                initial={
                    "track": saved.get("items", ["employees"]),
                    "members": saved.get("member_ids", [m.pk for m in team]),
                },
            )
        elif step == SetupStep.ADMIN:
            saved = setup.data.get("admin") or {}
            form = AdminForm(
                team=team,
                members=app_selectors.accountant_choices(firm=setup.firm),
                initial={
                    "admin": saved.get("member_id"),
                    "permissions": saved.get("permissions", ["manage_team", "approve_time"]),
                    "accountants": [a.membership_id for a in accountants]
                    or [request.membership.pk],
                },
            )
    order = setup.steps
    step_links = [
        {
            "key": key,
            "label": SetupStep(key).label,
            "number": i + 2,
            "url": _step_url(setup, key),
            "reached": _reached(setup, key),
            "current": key == step,
            "done": _reached(setup, key) and key != setup.step,
        }
        for i, key in enumerate(order)
    ]
    previous = None
    if step in order and order.index(step) > 0:
        previous = _step_url(setup, order[order.index(step) - 1])
    return {
        "setup": setup,
        "step": step,
        "step_links": step_links,
        "previous_url": previous,
        "form": form,
        "pro_form": pro_form or ProAccountForm(),
        "pro_account": app_selectors.time_pro_account(firm=setup.firm) if setup.is_time else None,
        "account": account,
        "accountants": accountants,
        "team": team,
        "team_url": reverse("clients:detail", args=[setup.firm.slug, setup.client_id])
        + "?tab=team",
        "invitation_expires_at": app_selectors.time_invitation_expires_at(account)
        if account
        else None,
        "max_accountants": MAX_CONNECTED_ACCOUNTANTS,
        "payroll_summary": _payroll_summary(setup),
    }


def _payroll_summary(setup: AppSetup) -> str:
    saved = setup.data.get("payroll") or {}
    if not saved:
        return ""
    period = dict(PayPeriod.CHOICES).get(saved.get("pay_period"), "")
    parts = [
        _("%(period)s from %(start)s")
        % {
            "period": period,
            "start": date_format(datetime.date.fromisoformat(saved["period_start"])),
        }
    ]
    if saved.get("daily_overtime_hours"):
        parts.append(
            _("overtime after %(hours)s h a day")
            % {"hours": number_format(Decimal(saved["daily_overtime_hours"]))}
        )
    if saved.get("weekly_overtime_hours"):
        parts.append(
            _("overtime after %(hours)s h a week")
            % {"hours": number_format(Decimal(saved["weekly_overtime_hours"]))}
        )
    if saved.get("overtime_multiplier"):
        parts.append(
            _("paid × %(rate)s") % {"rate": number_format(Decimal(saved["overtime_multiplier"]))}
        )
    return ", ".join(parts)


def _save_step(request, setup: AppSetup, step: str):
    """Validate and save one step; returns the bound form (with errors when refused)."""
    firm, by = request.firm, request.membership
    team = app_selectors.active_team(setup.client)
    if step == SetupStep.ACCOUNT:
        form = AccountForm(request.POST)
        if form.is_valid():
            time_account_connect(
                firm=firm,
                setup=setup,
                mode=form.cleaned_data["mode"],
                account_id=form.cleaned_data["account_id"],
                by=by,
            )
        return form
    if step == SetupStep.PAYROLL:
        form = PayrollForm(request.POST)
        if form.is_valid():
            app_payroll_save(firm=firm, setup=setup, by=by, **form.cleaned_data)
        return form
    if step == SetupStep.TRACK:
        form = TrackForm(request.POST, team=team)
        if form.is_valid():
            app_tracking_save(
                firm=firm,
                setup=setup,
                track=form.cleaned_data["track"],
                member_ids=form.cleaned_data["members"],
                by=by,
            )
        return form
    if step == SetupStep.ADMIN:
        members = app_selectors.accountant_choices(firm=firm)
        form = AdminForm(request.POST, team=team, members=members)
        if form.is_valid():
            chosen = set(form.cleaned_data["accountants"])
            time_admin_invite(
                firm=firm,
                setup=setup,
                admin_member_id=form.cleaned_data["admin"],
                permissions=form.cleaned_data["permissions"],
                accountants=[m for m in members if m.pk in chosen],
                by=by,
                language=request.LANGUAGE_CODE,
            )
        return form
    raise ValidationError(_("This step can't be saved."))


@require_http_methods(["GET", "POST"])
def app_setup(request, firm_slug, setup_id):
    """One step of the setup wizard. `step` (query or form) picks a step already
    reached, so earlier steps can be revisited; saving moves on to the next."""
    setup = _setup(request, setup_id)
    step = request.POST.get("step") or request.GET.get("step") or setup.step
    if not _reached(setup, step):
        step = setup.step
    form = pro_form = None
    status = 200
    if request.method == "POST" and step != SetupStep.DONE:
        try:
            form = _save_step(request, setup, step)
        except ValidationError as exc:
            form = form or _bound_form(request, setup, step)
            form.is_valid()
            apply_errors(form, exc)
        if form.is_valid():
            setup.refresh_from_db()
            order = [*setup.steps, SetupStep.DONE]
            following = order[order.index(step) + 1]
            if htmx_partial(request):
                response = render(
                    request,
                    f"{WIZARD}#wizard",
                    _wizard_context(request, setup, following),
                )
                response["HX-Push-Url"] = _step_url(setup, following)
                return response
            return redirect(_step_url(setup, following))
        status = 400
    context = _wizard_context(request, setup, step, form=form, pro_form=pro_form)
    return render(request, partial(request, WIZARD, "wizard"), context, status=status)


def _bound_form(request, setup, step):
    team = app_selectors.active_team(setup.client)
    if step == SetupStep.ACCOUNT:
        return AccountForm(request.POST)
    if step == SetupStep.PAYROLL:
        return PayrollForm(request.POST)
    if step == SetupStep.TRACK:
        return TrackForm(request.POST, team=team)
    return AdminForm(
        request.POST, team=team, members=app_selectors.accountant_choices(firm=request.firm)
    )


@require_GET
def app_setup_import(request, firm_slug, setup_id):
    """Progress of the team-member import, polled by the page until it is done."""
    setup = _setup(request, setup_id)
    context = {"setup": setup}
    if setup.import_status in (ImportStatus.DONE, ImportStatus.NONE):
        return HttpResponseStopPolling(render_to_string(PROGRESS, context, request=request))
    if htmx_partial(request):
        return render(request, PROGRESS, context)
    return redirect(_step_url(setup, setup.step))


# Public: the client's admin accepts the Time invitation ----------------------
