"""One client's edits from the list row or the profile: inline edit (R10), status
(R11), the tax-return tab and permanent deletion (R12)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import access as client_access
from clients import services
from clients.forms import ClientDeleteForm, ClientForm, ClientInlineForm, ClientTaxForm
from clients.models import ClientStatus
from clients.pages import profile_context, profile_url, row_context, safe_next
from practice.permissions import require_primary_admin
from practice.web import apply_errors, htmx_partial, htmx_target


def _client(request, client_id):
    return client_access.access_client_by_id(membership=request.membership, client_id=client_id)


def client_row(request, firm_slug, client_id):
    """One list row (htmx: cancel an inline edit); without JS, the profile."""
    client = _client(request, client_id)
    if not htmx_partial(request):
        return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    return render(request, "clients/list.html#row", row_context(request, client, firm_slug))


def client_edit(request, firm_slug, client_id):
    """Edit (R10): inline in the list row with htmx, or as a page. A concurrent
    edit is refused with a message; the form then shows the saved values."""
    client = _client(request, client_id)
    inline = htmx_target(request) == f"client-row-{client.pk}"
    form_class = ClientInlineForm if inline else ClientForm
    prefix = f"row{client.pk}" if inline else None
    form = form_class(request.POST or None, instance=client, firm=request.firm, prefix=prefix)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_update(
                firm=request.firm,
                client=client,
                by=request.membership,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except services.ClientConflict as exc:
            conflict = exc.messages[0]
            client = _client(request, client_id)
            form = form_class(instance=client, firm=request.firm, prefix=prefix)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if inline:
                return render(
                    request, "clients/list.html#row", row_context(request, client, firm_slug)
                )
            messages.success(request, _("Changes to %(client)s were saved.") % {"client": client})
            return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    status = 409 if conflict else (400 if form.errors else 200)
    if inline:
        context = row_context(request, client, firm_slug)
        context.update(form=form, conflict=conflict)
        return render(request, "clients/list.html#edit_row", context, status=status)
    return render(
        request,
        "clients/edit.html",
        {"client": client, "form": form, "conflict": conflict},
        status=status,
    )


@require_POST
def client_status(request, firm_slug, client_id):
    """Make inactive / make active (R11)."""
    client = _client(request, client_id)
    status = request.POST.get("status")
    if status not in ClientStatus.values:
        messages.error(request, _("Unknown status."))
        return redirect(safe_next(request, firm_slug))
    client = services.client_set_status(
        firm=request.firm, client=client, by=request.membership, status=status
    )
    client = _client(request, client_id)
    if htmx_target(request) == f"client-row-{client.pk}":
        return render(request, "clients/list.html#row", row_context(request, client, firm_slug))
    if status == ClientStatus.INACTIVE:
        messages.success(
            request,
            _("%(client)s is now inactive. Its subscriptions are unchanged.") % {"client": client},
        )
    else:
        messages.success(request, _("%(client)s is active again.") % {"client": client})
    target = request.POST.get("next", "")
    if target == "profile":
        return redirect("clients:detail", firm_slug=firm_slug, client_id=client.pk)
    return redirect(safe_next(request, firm_slug))


def client_delete(request, firm_slug, client_id):
    """Delete permanently (R12), once the client's name is typed. The primary admin only:
    the object is looked up first so other firms get 404, then other roles 403."""
    client = _client(request, client_id)
    require_primary_admin(
        request.membership, message=_("Only the firm's primary admin can delete a client.")
    )
    blockers = services.client_delete_blockers(client=client)
    form = ClientDeleteForm(request.POST if request.method == "POST" else None, client=client)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            services.client_delete(firm=request.firm, client=client, by=request.membership)
        except ValidationError as exc:
            blockers = exc.messages
        else:
            messages.success(
                request, _("%(client)s was deleted permanently.") % {"client": client.display_name}
            )
            return redirect(safe_next(request, firm_slug))
    return render(
        request,
        "clients/delete.html",
        {
            "client": client,
            "blockers": blockers,
            "form": form,
            "next": safe_next(request, firm_slug),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def client_tax(request, firm_slug, client_id):
    """Edit the two tax statuses from the profile's tax-return tab."""
    client = _client(request, client_id)
    form = ClientTaxForm(request.POST, instance=client, firm=request.firm)
    conflict = None
    if form.is_valid():
        try:
            client = services.client_update(
                firm=request.firm,
                client=client,
                by=request.membership,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except services.ClientConflict as exc:
            conflict = exc.messages[0]
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Tax return information saved."))
            return redirect(profile_url(firm_slug, client, "tax"))
    client = _client(request, client_id)
    if conflict:
        form = ClientTaxForm(instance=client, firm=request.firm)
    context = profile_context(request, client, "tax", offer=False)
    context.update(tax_form=form, conflict=conflict)
    return render(request, "clients/detail.html", context, status=409 if conflict else 400)
