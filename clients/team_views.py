"""The Team tab of a client's profile: the firm manages the people of the
client's company (their roles, activity and portal access)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import access as client_access
from clients.companies import portal_access
from clients.companies import services as company_services
from clients.companies.forms import CompanyMemberEditForm, CompanyMemberForm, CompanyRoleForm
from clients.companies.selectors import access_company_member_by_id
from clients.pages import profile_context, profile_url, team_tab_context
from practice.web import apply_errors, errors_to_messages


def _client(request, client_id):
    return client_access.access_client_by_id(membership=request.membership, client_id=client_id)


def _company_member(client, member_id):
    """A person of the client's company: 404 unless they belong to it."""
    return access_company_member_by_id(company_id=client.company_account_id, member_id=member_id)


@require_POST
def client_team_add(request, firm_slug, client_id):
    client = _client(request, client_id)
    form = CompanyMemberForm(request.POST)
    if form.is_valid():
        company = company_services.company_for_client(client=client)
        try:
            member = company_services.company_member_add(
                company=company,
                client=client,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.membership,
            )
            if form.cleaned_data["portal_access"]:
                portal_access.company_member_invite_portal(
                    company=company, member=member, client=client, by=request.membership
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(person)s was added.") % {"person": member})
            return redirect(profile_url(firm_slug, client, "team"))
    context = {**profile_context(request, client, "team"), **team_tab_context(client, form)}
    return render(request, "clients/detail.html", context, status=400)


def client_team_edit(request, firm_slug, client_id, member_id):
    client = _client(request, client_id)
    member = _company_member(client, member_id)
    form = CompanyMemberEditForm(
        request.POST or None,
        member=member,
        initial={"full_name": member.full_name, "role": member.role},
    )
    if request.method == "POST" and form.is_valid():
        try:
            company_services.company_member_update(
                company=client.company_account,
                client=client,
                member=member,
                by=request.membership,
                full_name=form.cleaned_data["full_name"],
                role=None if member.is_primary_admin else form.cleaned_data["role"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(person)s were saved.") % {"person": member})
            return redirect(profile_url(firm_slug, client, "team"))
    return render(
        request,
        "clients/team_member_edit.html",
        {"client": client, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def client_team_role(request, firm_slug, client_id, member_id):
    client = _client(request, client_id)
    member = _company_member(client, member_id)
    form = CompanyRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin, standard or time tracking."))
    else:
        try:
            company_services.company_member_update(
                company=client.company_account,
                client=client,
                member=member,
                by=request.membership,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("The role of %(person)s was changed.") % {"person": member})
        except ValidationError as exc:
            errors_to_messages(request, exc)
    return redirect(profile_url(firm_slug, client, "team"))


@require_POST
def client_team_active(request, firm_slug, client_id, member_id):
    client = _client(request, client_id)
    member = _company_member(client, member_id)
    active = request.POST.get("active") == "1"
    try:
        company_services.company_member_set_active(
            company=client.company_account,
            client=client,
            member=member,
            active=active,
            by=request.membership,
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        if active:
            messages.success(request, _("%(person)s is active again.") % {"person": member})
        else:
            messages.success(request, _("%(person)s was deactivated.") % {"person": member})
    return redirect(profile_url(firm_slug, client, "team"))


@require_POST
def client_team_invite(request, firm_slug, client_id, member_id):
    client = _client(request, client_id)
    member = _company_member(client, member_id)
    try:
        portal_access.company_member_invite_portal(
            company=client.company_account,
            client=client,
            member=member,
            by=request.membership,
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request, _("A link to the portal was sent to %(email)s.") % {"email": member.email}
        )
    return redirect(profile_url(firm_slug, client, "team"))
