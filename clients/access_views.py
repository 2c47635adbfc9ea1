"""Managing who reaches which client (R30), by the firm's admins: the Firm team
tab of a client's profile, a member's client list on the Team page (with the
access mode and "add clients by search") and the client list's bulk actions.

Objects are looked up first (404 alike for missing, foreign and unreachable),
then the admin check runs (403); the services check the role again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clients import access_selectors, assignments
from clients.access import access_client_by_id
from clients.forms import AssignmentEndForm, ClientAssignForm, MemberClientsAddForm
from clients.pages import firm_team_context, profile_context, profile_url
from practice import clock
from practice import selectors as practice_selectors
from practice.models import ClientAccess
from practice.permissions import require_admin
from practice.services import membership_set_client_access
from practice.web import apply_errors, errors_to_messages, htmx_partial, htmx_target, partial


def _client(request, client_id):
    return access_client_by_id(membership=request.membership, client_id=client_id)


def _member(request, membership_id):
    return practice_selectors.access_member_by_id(firm=request.firm, membership_id=membership_id)


def _admin(request):
    require_admin(request.membership, message=_("Only the firm's admins manage client access."))


# The Firm team tab of a client's profile -------------------------------------------


def _firm_team(request, firm_slug, client, *, notice="", status=200, **extra):
    """The tab again: swapped in place with htmx, the page (or a redirect) without."""
    if status == 200 and not htmx_partial(request):
        messages.success(request, notice)
        return redirect(profile_url(firm_slug, client, "firm_team"))
    context = profile_context(request, client, "firm_team", offer=not htmx_partial(request))
    context.update(firm_team_context(request, client, extra.pop("form", None), notice=notice))
    context.update(extra)
    return render(
        request, partial(request, "clients/detail.html", "tab_panel"), context, status=status
    )


@require_POST
def client_firm_team_add(request, firm_slug, client_id):
    client = _client(request, client_id)
    _admin(request)
    members = access_selectors.firm_members(firm=request.firm)
    form = ClientAssignForm(request.POST, members=members)
    if form.is_valid():
        member = form.cleaned_data["membership"]
        try:
            assignments.client_assign(
                firm=request.firm,
                client=client,
                membership=member,
                by=request.membership,
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            notice = _("%(person)s is on the firm team of %(client)s.") % {
                "person": member.user,
                "client": client,
            }
            return _firm_team(request, firm_slug, client, notice=notice)
    return _firm_team(request, firm_slug, client, form=form, status=400)


@require_POST
def client_firm_team_end(request, firm_slug, client_id, membership_id):
    """Change or clear the end date of a member's access to the client (a member
    not on the client's firm team has none to change: 404)."""
    client = _client(request, client_id)
    member = _member(request, membership_id)
    access_selectors.access_assignment(client=client, membership=member)
    _admin(request)
    form = AssignmentEndForm(request.POST)
    if form.is_valid():
        try:
            assignments.client_assign(
                firm=request.firm,
                client=client,
                membership=member,
                by=request.membership,
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            notice = _("The access of %(person)s to %(client)s was changed.") % {
                "person": member.user,
                "client": client,
            }
            return _firm_team(request, firm_slug, client, notice=notice)
    return _firm_team(
        request, firm_slug, client, status=400, end_form_failed=form, end_failed_for=member.pk
    )


@require_POST
def client_firm_team_remove(request, firm_slug, client_id, membership_id):
    client = _client(request, client_id)
    member = _member(request, membership_id)
    _admin(request)
    assignments.client_unassign(
        firm=request.firm, client=client, membership=member, by=request.membership
    )
    notice = _("%(person)s was removed from the firm team of %(client)s.") % {
        "person": member.user,
        "client": client,
    }
    return _firm_team(request, firm_slug, client, notice=notice)


# A member's clients, from the Team page --------------------------------------------


def _member_page(request, member, *, form=None, notice="", status=200):
    q = (request.POST.get("q") or request.GET.get("q") or "")[:200]
    context = {
        "member": member,
        "assignments": access_selectors.member_assignments(membership=member),
        "q": q,
        "found": access_selectors.clients_to_assign(by=request.membership, membership=member, q=q),
        "add_form": form or MemberClientsAddForm(),
        "access_modes": ClientAccess.choices,
        "today": clock.today(),
        "notice": notice,
        "checked": request.POST.getlist("ids"),
    }
    if htmx_target(request) == "access-search-results":
        return render(request, "clients/member_clients.html#search_results", context)
    template = partial(request, "clients/member_clients.html", "member_access")
    return render(request, template, context, status=status)


def _member_done(request, firm_slug, member, notice):
    if htmx_partial(request):
        return _member_page(request, member, notice=notice)
    messages.success(request, notice)
    return redirect("member_clients", firm_slug=firm_slug, membership_id=member.pk)


def member_clients(request, firm_slug, membership_id):
    """The clients a member reaches through assignment, and a search to add more."""
    member = _member(request, membership_id)
    _admin(request)
    return _member_page(request, member)


@require_POST
def member_clients_add(request, firm_slug, membership_id):
    member = _member(request, membership_id)
    _admin(request)
    form = MemberClientsAddForm(request.POST)
    if form.is_valid():
        ids = set(form.cleaned_data["ids"])
        clients = access_selectors.clients_selected(by=request.membership, client_ids=list(ids))
        try:
            if len(clients) != len(ids):
                raise assignments.not_the_firms_client()
            assignments.clients_bulk_assign(
                firm=request.firm,
                clients=clients,
                memberships=[member],
                by=request.membership,
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            notice = ngettext(
                "%(count)d client added to the list of %(person)s.",
                "%(count)d clients added to the list of %(person)s.",
                len(clients),
            ) % {"count": len(clients), "person": member.user}
            return _member_done(request, firm_slug, member, notice)
    return _member_page(request, member, form=form, status=400)


@require_POST
def member_clients_remove(request, firm_slug, membership_id, client_id):
    member = _member(request, membership_id)
    client = _client(request, client_id)
    _admin(request)
    assignments.client_unassign(
        firm=request.firm, client=client, membership=member, by=request.membership
    )
    notice = _("%(client)s was removed from the list of %(person)s.") % {
        "client": client,
        "person": member.user,
    }
    return _member_done(request, firm_slug, member, notice)


@require_POST
def member_access(request, firm_slug, membership_id):
    """All clients, or assigned clients only (R30)."""
    member = _member(request, membership_id)
    _admin(request)
    try:
        membership_set_client_access(
            firm=request.firm,
            membership=member,
            mode=request.POST.get("client_access", ""),
            by=request.membership,
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("%(person)s now reaches: %(access)s.")
            % {"person": member.user, "access": member.get_client_access_display()},
        )
    if request.POST.get("next") == "member":
        return redirect("member_clients", firm_slug=firm_slug, membership_id=member.pk)
    return redirect(reverse("team", kwargs={"firm_slug": firm_slug}))


# Bulk, from the client list ----------------------------------------------------------


def bulk_access(request, form, back: str):
    """Assign the chosen members to the selected clients, or remove them (admins)."""
    _admin(request)
    ids = set(form.cleaned_data["ids"])
    people = list(form.cleaned_data["members"])
    clients = access_selectors.clients_selected(by=request.membership, client_ids=list(ids))
    names = ", ".join(str(m.user) for m in people)
    try:
        if len(clients) != len(ids):
            raise assignments.not_the_firms_client()
        if form.cleaned_data["action"] == "assign_members":
            assignments.clients_bulk_assign(
                firm=request.firm,
                clients=clients,
                memberships=people,
                by=request.membership,
                ends_on=form.cleaned_data["ends_on"],
            )
            text = ngettext(
                "%(people)s added to the firm team of %(count)d client.",
                "%(people)s added to the firm team of %(count)d clients.",
                len(clients),
            )
        else:
            assignments.clients_bulk_unassign(
                firm=request.firm, clients=clients, memberships=people, by=request.membership
            )
            text = ngettext(
                "%(people)s removed from the firm team of %(count)d client.",
                "%(people)s removed from the firm team of %(count)d clients.",
                len(clients),
            )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(request, text % {"people": names, "count": len(clients)})
    return redirect(back)
