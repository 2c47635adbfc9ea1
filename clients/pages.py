"""What the client pages share: list addresses, the list row's context and the
profile's tabs. Views only; nothing here reads or writes beyond the selectors."""

from urllib.parse import urlencode, urlsplit

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from clients import access_selectors, rows, selectors
from clients.companies.forms import CompanyMemberForm, CompanyRoleForm
from clients.companies.selectors import client_company_members, client_wholesale_offer
from clients.forms import AssignmentEndForm, ClientAssignForm
from clients.models import Client
from practice import clock

PROFILE_TABS = ("overview", "products", "team", "firm_team", "documents", "tax", "history")


def list_url(firm_slug: str, params: dict | None = None) -> str:
    url = reverse("clients:list", kwargs={"firm_slug": firm_slug})
    return f"{url}?{urlencode(params)}" if params else url


def safe_next(request, firm_slug: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    list_path = reverse("clients:list", kwargs={"firm_slug": firm_slug})
    if target.startswith(list_path) and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return list_path


def row_list_url(request, firm_slug: str) -> str:
    """The list address a row's forms return to (kept across htmx swaps)."""
    if request.htmx and request.htmx.current_url:
        try:
            parts = urlsplit(request.htmx.current_url)
        except ValueError:  # a header no browser sends ("http://[", say)
            return safe_next(request, firm_slug)
        candidate = parts.path + (f"?{parts.query}" if parts.query else "")
        if candidate.startswith(reverse("clients:list", kwargs={"firm_slug": firm_slug})):
            return candidate
    return safe_next(request, firm_slug)


def csrf_input(request):
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


def row_context(request, client: Client, firm_slug: str) -> dict:
    columns = selectors.client_list_columns(firm=request.firm, membership=request.membership)
    context = {
        "client": client,
        "csrf_input": csrf_input(request),
        "columns": columns,
        "colspan": len(columns) + 2,
        "can_delete": request.membership.is_primary_admin,
        "current_url": row_list_url(request, firm_slug),
    }
    rows.RowRenderer(
        firm_slug=firm_slug,
        columns=columns,
        csrf_input=context["csrf_input"],
        can_delete=context["can_delete"],
        current_url=context["current_url"],
    ).decorate([client])
    return context


def profile_tabs():
    return [
        ("overview", _("Overview & contact")),
        ("products", _("Products")),
        ("team", _("Team")),
        ("firm_team", _("Firm team")),
        ("documents", _("Documents")),
        ("tax", _("Tax return")),
        ("history", _("History")),
    ]


def profile_url(firm_slug: str, client: Client, tab: str = "") -> str:
    url = reverse("clients:detail", kwargs={"firm_slug": firm_slug, "client_id": client.pk})
    return f"{url}?tab={tab}" if tab else url


def profile_context(request, client: Client, tab: str, *, offer: bool = True) -> dict:
    """What every tab of the profile page (R9) shows around its panel."""
    context = {
        "client": client,
        "tab": tab,
        "tabs": profile_tabs(),
        "can_delete": request.membership.is_primary_admin,
    }
    if offer:
        context["wholesale_offer"] = client_wholesale_offer(client)
    return context


def team_tab_context(client: Client, form=None) -> dict:
    return {
        "members": client_company_members(client=client),
        "member_form": form or CompanyMemberForm(),
        "role_form": CompanyRoleForm(),
    }


def firm_team_context(request, client: Client, form=None, *, notice: str = "") -> dict:
    """The Firm team tab (R30): the lead accountant and the assigned members;
    admins add members, change end dates and remove them."""
    assignments = access_selectors.client_firm_team(client=client)
    can_manage = request.membership.is_admin
    context = {
        "assignments": assignments,
        "can_manage_access": can_manage,
        "today": clock.today(),
        "firm_team_notice": notice,
    }
    if can_manage:
        members = access_selectors.firm_members(firm=request.firm)
        taken = {a.membership_id for a in assignments}
        context["assign_form"] = form or ClientAssignForm(members=members, exclude=taken)
        context["end_form"] = AssignmentEndForm()
    return context
