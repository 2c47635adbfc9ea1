"""Settings → Webhooks: the firm's endpoints, for its admins only (R2)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from practice.permissions import admin_required
from practice.web import apply_errors, errors_to_messages, htmx_partial
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import EventType

ADMINS_ONLY = gettext_lazy("Only the firm's admins manage webhooks.")


# The session key naming the endpoint whose new secret the next page shows once.
SHOW_SECRET = "webhooks_show_secret"


def _detail(request, endpoint, *, show_secret: bool = False):
    if show_secret:
        request.session[SHOW_SECRET] = endpoint.pk
    return redirect("webhooks:detail", firm_slug=request.firm.slug, endpoint_id=endpoint.pk)


@admin_required(message=ADMINS_ONLY)
def endpoints(request, firm_slug):
    return render(
        request,
        "webhooks/list.html",
        {
            "endpoints": selectors.endpoints_for_firm(firm=request.firm),
            "max_endpoints": settings.WEBHOOKS_MAX_ENDPOINTS,
        },
    )


@admin_required(message=ADMINS_ONLY)
def endpoint_add(request, firm_slug):
    form = EndpointForm(request.POST or None, initial={"events": EventType.values})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint = services.endpoint_create(
                    firm=request.firm, by=request.membership, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Endpoint added. Copy its signing secret into the receiving service "
                        "to check the signature of each delivery."
                    ),
                )
                return _detail(request, endpoint, show_secret=True)
        status = 400
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None}, status=status)


def _detail_context(request, endpoint, *, secret: str = "") -> dict:
    log, older = selectors.delivery_log(endpoint=endpoint, before=request.GET.get("before"))
    return {
        "endpoint": endpoint,
        "secret": secret,
        "log": log,
        "older": older,
        "waiting": selectors.deliveries_waiting(endpoint=endpoint),
        "replay_minutes": settings.WEBHOOKS_REPLAY_WINDOW_SECONDS // 60,
        "max_attempts": settings.WEBHOOKS_MAX_ATTEMPTS,
        "disable_after": settings.WEBHOOKS_DISABLE_AFTER,
    }


@admin_required(message=ADMINS_ONLY)
def endpoint_detail(request, firm_slug, endpoint_id):
    """The endpoint, how to check its signatures, and its delivery log. While
    deliveries wait, htmx polls the log; it stops (286) once none waits."""
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    shown = request.session.get(SHOW_SECRET) == endpoint.pk and request.session.pop(SHOW_SECRET)
    context = _detail_context(request, endpoint, secret=endpoint.secret if shown else "")
    if htmx_partial(request) and request.htmx.target == "delivery-log":
        response = render(request, "webhooks/detail.html#log", context)
        if not context["waiting"]["count"]:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "webhooks/detail.html", context)


@admin_required(message=ADMINS_ONLY)
def endpoint_edit(request, firm_slug, endpoint_id):
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.endpoint_update(
                    firm=request.firm, endpoint=endpoint, by=request.membership, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Endpoint saved."))
                return _detail(request, endpoint)
        status = 400
    return render(
        request, "webhooks/form.html", {"form": form, "endpoint": endpoint}, status=status
    )


@require_POST
@admin_required(message=ADMINS_ONLY)
def endpoint_status(request, firm_slug, endpoint_id):
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    if request.POST.get("enabled") not in ("0", "1"):
        return _detail(request, endpoint)
    enabled = request.POST["enabled"] == "1"
    try:
        services.endpoint_set_enabled(
            firm=request.firm, endpoint=endpoint, by=request.membership, enabled=enabled
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("Endpoint turned on: new events are sent to it.")
            if enabled
            else _("Endpoint turned off: no events are sent to it."),
        )
    return _detail(request, endpoint)


@require_POST
@admin_required(message=ADMINS_ONLY)
def endpoint_test(request, firm_slug, endpoint_id):
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    services.endpoint_test_send(firm=request.firm, endpoint=endpoint, by=request.membership)
    messages.success(
        request, _("Test event sent. Its delivery shows in the log below within a few seconds.")
    )
    return _detail(request, endpoint)


@require_POST
@admin_required(message=ADMINS_ONLY)
def endpoint_secret(request, firm_slug, endpoint_id):
    """Show the signing secret (logged), or replace it and show the new one."""
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    if request.POST.get("action") == "roll":
        services.endpoint_secret_roll(firm=request.firm, endpoint=endpoint, by=request.membership)
        messages.success(
            request,
            _(
                "New signing secret created: deliveries are signed with it from now on. "
                "Copy it into the receiving service."
            ),
        )
        return _detail(request, endpoint, show_secret=True)
    secret = services.endpoint_secret_reveal(
        firm=request.firm, endpoint=endpoint, by=request.membership
    )
    return render(
        request, "webhooks/detail.html", _detail_context(request, endpoint, secret=secret)
    )


@admin_required(message=ADMINS_ONLY)
def endpoint_delete(request, firm_slug, endpoint_id):
    endpoint = selectors.access_endpoint_by_id(firm=request.firm, endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(firm=request.firm, endpoint=endpoint, by=request.membership)
        messages.success(request, _("Endpoint deleted."))
        return redirect("webhooks:list", firm_slug=firm_slug)
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})
