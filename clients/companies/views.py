"""The client portal (/portal/<company_pk>/...): a small space of its own for a
client company's people. They never see a firm page.

`portal_view` is the gate: anonymous visitors are sent to sign in; anyone who is
not an active team member of that company, with their own account, gets 404, as
if the company did not exist. Members get `request.company` and
`request.company_member`; admin-only actions answer 403 after the lookups."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clients.companies import portal_access, selectors, services, transfers
from clients.companies.forms import (
    AccountantInviteForm,
    CompanyBillingForm,
    CompanyMemberEditForm,
    CompanyMemberForm,
    CompanyRoleForm,
    PrimaryAdminForm,
    TwoStepPolicyForm,
)
from practice.accounts.middleware import enrolment_redirect
from practice.accounts.policy import has_two_step, required_on
from practice.permissions import require_admin
from practice.tenancy import firm_scope
from practice.web import apply_errors, errors_to_messages
from subscriptions.selectors import client_products

PORTAL_NAV = [
    (gettext_lazy("Overview"), "portal:overview"),
    (gettext_lazy("Team"), "portal:team"),
    (gettext_lazy("Accountants"), "portal:accountants"),
    (gettext_lazy("Billing"), "portal:billing"),
]


def portal_view(view):
    @wraps(view)
    def gate(request, company_pk, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        member = selectors.portal_member(company_id=company_pk, user=request.user)
        if member is None:
            raise Http404("No such company.")
        request.company = member.company
        request.company_member = member
        if required_on(member.company.two_step_required_from) and not has_two_step(request.user):
            return enrolment_redirect(request)
        return view(request, company_pk, **kwargs)

    return gate


def _render(request, template, context, status=200):
    company = request.company
    nav = []
    for label, name in PORTAL_NAV:
        url = reverse(name, args=[company.pk])
        active = request.path == url if name == "portal:overview" else request.path.startswith(url)
        nav.append({"label": label, "url": url, "active": active})
    context = {
        "company": company,
        "company_member": request.company_member,
        "can_manage": request.company_member.is_admin,
        "portal_nav": nav,
        **context,
    }
    return render(request, template, context, status=status)


# Overview ---------------------------------------------------------------------


@portal_view
def overview(request, company_pk):
    """The company, who its accountants are and the subscriptions they manage."""
    accountants = selectors.company_accountants(company=request.company)
    for row in accountants:
        with firm_scope(row.firm):
            row.products = client_products(client=row.client)
    subscriptions = [(row.firm, sub) for row in accountants for sub in row.products if sub.is_live]
    pays_itself = any(sub.billing == "direct" for _firm, sub in subscriptions)
    return _render(
        request,
        "clients/portal/overview.html",
        {
            "accountants": accountants,
            "subscriptions": subscriptions,
            "billing_complete": selectors.company_billing_is_complete(request.company),
            "pays_itself": pays_itself,
            "recently_left_wholesale": request.company.wholesale_left_at is not None,
            "firm_is_primary_admin": any(r.client.firm_is_primary_admin for r in accountants),
            "has_primary_admin": selectors.company_has_primary_admin(company=request.company),
        },
    )


# Team -------------------------------------------------------------------------


def _team_context(request, form=None):
    return {
        "members": list(selectors.company_members(company=request.company)),
        "add_form": form or CompanyMemberForm(),
        "role_form": CompanyRoleForm(),
    }


@portal_view
def team(request, company_pk):
    return _render(
        request,
        "clients/portal/team.html",
        {**_team_context(request), "two_step_form": TwoStepPolicyForm(instance=request.company)},
    )


@portal_view
@require_POST
def two_step_policy(request, company_pk):
    """The company's admins require two-step verification in the portal from a date."""
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    form = TwoStepPolicyForm(request.POST, instance=request.company)
    if form.is_valid():
        services.company_two_step_policy_set(
            company=request.company,
            by=request.company_member,
            required_from=form.cleaned_data["two_step_required_from"],
        )
        messages.success(request, _("Two-step verification policy saved."))
    else:
        for error in form.errors.get("two_step_required_from", []):
            messages.error(request, error)
    return redirect("portal:team", company_pk=company_pk)


@portal_view
@require_POST
def member_add(request, company_pk):
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    form = CompanyMemberForm(request.POST)
    if form.is_valid():
        try:
            member = services.company_member_add(
                company=request.company,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.company_member,
            )
            if form.cleaned_data["portal_access"]:
                portal_access.company_member_invite_portal(
                    company=request.company,
                    member=member,
                    by=request.company_member,
                    language=request.LANGUAGE_CODE,
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(person)s was added.") % {"person": member})
            return redirect("portal:team", company_pk)
    return _render(request, "clients/portal/team.html", _team_context(request, form), status=400)


def _member(request, member_id):
    return selectors.access_company_member_by_id(company_id=request.company.pk, member_id=member_id)


@portal_view
def member_edit(request, company_pk, member_id):
    member = _member(request, member_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    form = CompanyMemberEditForm(
        request.POST or None,
        member=member,
        initial={"full_name": member.full_name, "role": member.role},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_member_update(
                company=request.company,
                member=member,
                by=request.company_member,
                full_name=form.cleaned_data["full_name"],
                role=None if member.is_primary_admin else form.cleaned_data["role"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(person)s were saved.") % {"person": member})
            return redirect("portal:team", company_pk)
    return _render(
        request,
        "clients/portal/member_edit.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


@portal_view
@require_POST
def member_role(request, company_pk, member_id):
    member = _member(request, member_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    form = CompanyRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin, standard or time tracking."))
    else:
        try:
            services.company_member_update(
                company=request.company,
                member=member,
                by=request.company_member,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("The role of %(person)s was changed.") % {"person": member})
        except ValidationError as exc:
            errors_to_messages(request, exc)
    return redirect("portal:team", company_pk)


@portal_view
@require_POST
def member_active(request, company_pk, member_id):
    member = _member(request, member_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    active = request.POST.get("active") == "1"
    try:
        services.company_member_set_active(
            company=request.company, member=member, active=active, by=request.company_member
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        if active:
            messages.success(request, _("%(person)s is active again.") % {"person": member})
        else:
            messages.success(request, _("%(person)s was deactivated.") % {"person": member})
    return redirect("portal:team", company_pk)


@portal_view
@require_POST
def member_invite(request, company_pk, member_id):
    member = _member(request, member_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    try:
        portal_access.company_member_invite_portal(
            company=request.company,
            member=member,
            by=request.company_member,
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request, _("A link to the portal was sent to %(email)s.") % {"email": member.email}
        )
    return redirect("portal:team", company_pk)


# Primary admin (R12a) and billing ------------------------------------------------


@portal_view
def primary_admin(request, company_pk):
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    form = PrimaryAdminForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_primary_admin_change(
                company=request.company, to=form.cleaned_data["member"], by=request.company_member
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(person)s is now the primary admin of your company. Your accountants "
                    "no longer hold that role."
                )
                % {"person": form.cleaned_data["member"]},
            )
            return redirect("portal:team", company_pk)
    return _render(
        request,
        "clients/portal/primary_admin.html",
        {
            "form": form,
            "firm_is_primary_admin": any(
                r.client.firm_is_primary_admin
                for r in selectors.company_accountants(company=request.company)
            ),
        },
        status=400 if form.errors else 200,
    )


@portal_view
def billing(request, company_pk):
    """The company takes over its billing (after leaving a firm's wholesale billing)."""
    can_manage = request.company_member.is_admin
    form = CompanyBillingForm(request.POST or None, instance=request.company)
    if request.method == "POST":
        require_admin(request.company_member, message=_("Only the company's admins can do this."))
        if form.is_valid():
            services.company_billing_update(
                company=request.company,
                by=request.company_member,
                **{k: form.cleaned_data[k] for k in form.Meta.fields},
            )
            messages.success(request, _("Your billing details were saved."))
            return redirect("portal:billing", company_pk)
    elif not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return _render(
        request,
        "clients/portal/billing.html",
        {"form": form, "billing_complete": selectors.company_billing_is_complete(request.company)},
        status=400 if form.errors else 200,
    )


# Accountants (R22) ----------------------------------------------------------------


def _accountants_context(request, form=None):
    accountants = selectors.company_accountants(company=request.company)
    firms = [row.firm for row in accountants]
    return {
        "accountants": accountants,
        "invitations": selectors.pending_accountant_invitations(company=request.company),
        "invite_form": form or AccountantInviteForm(firms=firms),
        "max_firms": selectors.MAX_FIRMS_PER_COMPANY,
    }


@portal_view
def accountants(request, company_pk):
    return _render(request, "clients/portal/accountants.html", _accountants_context(request))


@portal_view
@require_POST
def accountant_invite(request, company_pk):
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    firms = [row.firm for row in selectors.company_accountants(company=request.company)]
    form = AccountantInviteForm(request.POST, firms=firms)
    if form.is_valid():
        try:
            invitation = transfers.accountant_invitation_create(
                company=request.company,
                email=form.cleaned_data["email"],
                kind=form.cleaned_data["kind"],
                from_firm=form.chosen_firm(),
                by=request.company_member,
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("portal:accountants", company_pk)
    return _render(
        request,
        "clients/portal/accountants.html",
        _accountants_context(request, form),
        status=400,
    )


def _invitation(request, accountant_invitation_id):
    return selectors.access_accountant_invitation_by_id(
        company=request.company, accountant_invitation_id=accountant_invitation_id
    )


@portal_view
@require_POST
def accountant_invitation_resend(request, company_pk, accountant_invitation_id):
    invitation = _invitation(request, accountant_invitation_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    try:
        transfers.accountant_invitation_resend(
            company=request.company,
            invitation=invitation,
            by=request.company_member,
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": invitation.email}
        )
    return redirect("portal:accountants", company_pk)


@portal_view
@require_POST
def accountant_invitation_revoke(request, company_pk, accountant_invitation_id):
    invitation = _invitation(request, accountant_invitation_id)
    require_admin(request.company_member, message=_("Only the company's admins can do this."))
    try:
        transfers.accountant_invitation_revoke(
            company=request.company, invitation=invitation, by=request.company_member
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("portal:accountants", company_pk)
