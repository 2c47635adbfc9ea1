"""Settings → API tokens: a member's own tokens in the firm (create, shown once;
revoke), and for admins every token of the firm (revoke)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import selectors, services
from api.forms import ApiTokenForm
from practice.permissions import admin_required
from practice.web import apply_errors


def _docs_url() -> str:
    return reverse("api:openapi-view")


def api_tokens(request, firm_slug):
    """The member's tokens in this firm. A new token is shown on the answer to
    the form that created it, and never again."""
    form = ApiTokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, secret = services.api_token_create(
                    firm=request.firm, by=request.membership, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                created = {"token": token, "secret": secret}
                form = ApiTokenForm()
        if form.errors:
            status = 400
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.api_tokens_of_member(membership=request.membership),
        "docs_url": _docs_url(),
        "api_url": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "api/tokens.html", context, status=status)


@admin_required
def api_tokens_firm(request, firm_slug):
    """Every token of the firm, whoever owns it (admins)."""
    return render(
        request,
        "api/firm_tokens.html",
        {"tokens": selectors.api_tokens_of_firm(firm=request.firm), "docs_url": _docs_url()},
    )


@require_POST
def api_token_revoke(request, firm_slug, token_id):
    token = selectors.access_api_token_by_id(membership=request.membership, token_id=token_id)
    services.api_token_revoke(firm=request.firm, token=token, by=request.membership)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    if request.POST.get("next") == "firm" and request.membership.is_admin:
        return redirect("api_tokens_firm", firm_slug=firm_slug)
    return redirect("api_tokens", firm_slug=firm_slug)
