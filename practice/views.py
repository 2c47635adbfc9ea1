from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access_selectors import assignment_counts
from practice import selectors, services
from practice.accounts.middleware import enrolment_redirect
from practice.accounts.policy import has_two_step, required_on
from practice.forms import (
    BillingProfileForm,
    FirmForm,
    FirmSettingsForm,
    InviteForm,
    MemberChoiceForm,
    RoleForm,
    SignUpForm,
)
from practice.models import BillingProfile, ClientAccess
from practice.permissions import admin_required, require_admin, require_primary_admin
from practice.signing import LinkError
from practice.submissions import submit_once
from practice.web import (
    apply_errors,
    errors_to_messages,
    form_token,
)


def _set_language_cookie(response, language: str):
    if language and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def _companies_for_user(user):
    from clients.companies.selectors import companies_for_user

    return companies_for_user(user)


def home(request):
    """After sign-in: straight into the only firm, or for client-company people
    without a firm, their company's portal; otherwise the picker."""
    if not request.user.is_authenticated:
        return redirect("login")
    firms = selectors.firms_for_user(request.user)
    if any(required_on(f.two_step_required_from) for f in firms) and not has_two_step(request.user):
        return enrolment_redirect(request)
    if len(firms) == 1:
        return redirect("firm_home", firm_slug=firms[0].slug)
    if not firms:
        companies = _companies_for_user(request.user)
        if len(companies) == 1:
            return redirect("portal:overview", company_pk=companies[0].pk)
    return redirect("firm_picker")


@login_required
def firm_picker(request):
    firms = selectors.firms_for_user(request.user)
    companies = _companies_for_user(request.user)
    return render(request, "practice/firm_picker.html", {"firms": firms, "companies": companies})


@login_required
def firm_create(request):
    form = FirmForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            firm = services.firm_create(by=request.user, **form.cleaned_data)
            messages.success(request, _("Your firm is ready. You are its primary admin."))
            return reverse("firm_home", kwargs={"firm_slug": firm.slug})

        url, _created = submit_once(
            user=request.user, token=request.POST.get("form_token", ""), create=create
        )
        return redirect(url)
    context = {"form": form, "form_token": form_token(request)}
    return render(request, "practice/firm_create.html", context)


@require_POST
def set_language(request):
    """Language switcher: remembers the choice in a cookie and on the account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if check_for_language(language) and language in dict(settings.LANGUAGES):
        _set_language_cookie(response, language)
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


def invitation_accept(request, token: str):
    """The link from an invitation e-mail: sign in or create an account, then accept."""
    try:
        invitation = selectors.invitation_from_token(token)
    except LinkError as exc:
        return render(request, "practice/invitation_invalid.html", {"reason": str(exc)}, status=410)

    has_account = selectors.account_exists(email=invitation.email)
    signup_form = None
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(
                request,
                "practice/invitation_wrong_account.html",
                {"invitation": invitation},
                status=403,
            )
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except LinkError as exc:
                return render(
                    request, "practice/invitation_invalid.html", {"reason": str(exc)}, status=410
                )
            messages.success(request, _("Welcome to %(firm)s.") % {"firm": invitation.firm.name})
            return redirect("firm_home", firm_slug=invitation.firm.slug)
    elif not has_account:
        signup_form = SignUpForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and signup_form.is_valid():
            try:
                user = services.invitation_accept_new_account(
                    invitation=invitation,
                    password=signup_form.cleaned_data["password1"],
                    full_name=signup_form.cleaned_data["full_name"],
                    language=request.LANGUAGE_CODE,
                )
            except LinkError as exc:
                return render(
                    request, "practice/invitation_invalid.html", {"reason": str(exc)}, status=410
                )
            except ValidationError as exc:
                apply_errors(signup_form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Welcome to %(firm)s.") % {"firm": invitation.firm.name}
                )
                return redirect("firm_home", firm_slug=invitation.firm.slug)
    return render(
        request,
        "practice/invitation_accept.html",
        {"invitation": invitation, "has_account": has_account, "signup_form": signup_form},
    )


# Firm pages ------------------------------------------------------------------


def firm_home(request, firm_slug):
    for name in ("clients:list", "team"):
        try:
            return redirect(reverse(name, kwargs={"firm_slug": firm_slug}))
        except NoReverseMatch:
            continue
    return redirect("team", firm_slug=firm_slug)  # pragma: no cover


def team(request, firm_slug):
    return render(request, "practice/team.html", _team_context(request, InviteForm()))


def _team_context(request, invite_form) -> dict:
    members = list(selectors.team_members(firm=request.firm))
    counts = assignment_counts(firm=request.firm) if request.membership.is_admin else {}
    for member in members:
        member.assigned_count = counts.get(member.pk, 0)
    return {
        "members": members,
        "active_count": sum(1 for m in members if m.is_active),
        "invitations": selectors.pending_invitations(firm=request.firm),
        "invite_form": invite_form,
        "role_form": RoleForm(),
        "access_modes": ClientAccess.choices,
        "can_manage": request.membership.is_admin,
    }


@require_POST
@admin_required
def team_invite(request, firm_slug):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                firm=request.firm,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.membership,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("team", firm_slug=firm_slug)
    return render(request, "practice/team.html", _team_context(request, form), status=400)


@require_POST
@admin_required
def invitation_resend(request, firm_slug, invitation_id):
    invitation = selectors.access_invitation_by_id(firm=request.firm, invitation_id=invitation_id)
    try:
        services.invitation_resend(firm=request.firm, invitation=invitation, by=request.membership)
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": invitation.email}
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    return redirect("team", firm_slug=firm_slug)


@require_POST
@admin_required
def invitation_revoke(request, firm_slug, invitation_id):
    invitation = selectors.access_invitation_by_id(firm=request.firm, invitation_id=invitation_id)
    try:
        services.invitation_revoke(firm=request.firm, invitation=invitation, by=request.membership)
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
    return redirect("team", firm_slug=firm_slug)


@require_POST
@admin_required
def member_role(request, firm_slug, membership_id):
    member = selectors.access_member_by_id(firm=request.firm, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin or standard."))
    else:
        try:
            services.membership_change_role(
                firm=request.firm,
                membership=member,
                role=form.cleaned_data["role"],
                by=request.membership,
            )
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": member.user, "role": member.get_role_display()},
            )
        except ValidationError as exc:
            errors_to_messages(request, exc)
    return redirect("team", firm_slug=firm_slug)


@admin_required
def member_deactivate(request, firm_slug, membership_id):
    """Confirm, and when the person leads clients, ask who takes them over."""
    member = selectors.access_member_by_id(firm=request.firm, membership_id=membership_id)
    lead_count = services.member_workload(member)
    form = MemberChoiceForm(
        request.POST or None,
        firm=request.firm,
        exclude=[member.pk],
        label=_("Who takes over these clients?"),
    )
    if request.method == "POST":
        reassign_to = None
        if lead_count:
            if not form.is_valid():
                return render(
                    request,
                    "practice/member_deactivate.html",
                    {"member": member, "lead_count": lead_count, "form": form},
                    status=400,
                )
            reassign_to = form.cleaned_data["member"]
        try:
            services.membership_deactivate(
                firm=request.firm, membership=member, by=request.membership, reassign_to=reassign_to
            )
        except ValidationError as exc:
            errors_to_messages(request, exc)
        else:
            messages.success(request, _("%(person)s was deactivated.") % {"person": member.user})
        return redirect("team", firm_slug=firm_slug)
    return render(
        request,
        "practice/member_deactivate.html",
        {"member": member, "lead_count": lead_count, "form": form},
    )


@require_POST
@admin_required
def member_reactivate(request, firm_slug, membership_id):
    member = selectors.access_member_by_id(firm=request.firm, membership_id=membership_id)
    services.membership_reactivate(firm=request.firm, membership=member, by=request.membership)
    messages.success(request, _("%(person)s is active again.") % {"person": member.user})
    return redirect("team", firm_slug=firm_slug)


def primary_admin_transfer(request, firm_slug):
    require_primary_admin(request.membership)
    form = MemberChoiceForm(
        request.POST or None,
        firm=request.firm,
        exclude=[request.membership.pk],
        label=_("New primary admin"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.primary_admin_transfer(
                firm=request.firm, to=form.cleaned_data["member"], by=request.membership
            )
        except ValidationError as exc:
            errors_to_messages(request, exc)
        else:
            messages.success(
                request,
                _("%(person)s is now the primary admin. You are an admin.")
                % {"person": form.cleaned_data["member"].user},
            )
            return redirect("team", firm_slug=firm_slug)
    return render(request, "practice/primary_admin_transfer.html", {"form": form})


def _read_only(form):
    for field in form.fields.values():
        field.disabled = True
    return form


def _firm_settings_form(request, data, firm):
    form = FirmSettingsForm(data, instance=firm)
    if not request.membership.is_primary_admin:
        form.fields["billing_assigned_only"].disabled = True
        form.fields["two_step_required_from"].disabled = True
    return form


def firm_settings(request, firm_slug):
    """Name, country, currency and language of the firm; admins edit (R2)."""
    can_manage = request.membership.is_admin
    if request.method == "POST":
        require_admin(request.membership)
        form = _firm_settings_form(request, request.POST, selectors.firm_fresh(firm=request.firm))
        if form.is_valid():
            services.firm_update(
                firm=request.firm,
                by=request.membership,
                **{k: form.cleaned_data[k] for k in form.Meta.fields},
            )
            messages.success(request, _("Firm settings saved."))
            return redirect("firm_settings", firm_slug=firm_slug)
    else:
        form = _firm_settings_form(request, None, request.firm)
        if not can_manage:
            _read_only(form)
    return render(request, "practice/firm_settings.html", {"form": form, "can_manage": can_manage})


def billing_profile(request, firm_slug):
    """The firm's billing contact, address and payment method (R3); admins edit (R2)."""
    profile = selectors.billing_profile(firm=request.firm)
    can_manage = request.membership.is_admin
    if request.method == "POST":
        require_admin(request.membership)
        form = BillingProfileForm(request.POST, instance=BillingProfile(firm=request.firm))
        if form.is_valid():
            services.billing_profile_update(
                firm=request.firm,
                by=request.membership,
                **{k: form.cleaned_data[k] for k in form.Meta.fields},
            )
            messages.success(request, _("Billing profile saved."))
            return redirect("billing_profile", firm_slug=firm_slug)
    else:
        form = BillingProfileForm(instance=profile)
        if not can_manage:
            _read_only(form)
    return render(
        request,
        "practice/billing_profile.html",
        {"form": form, "profile": profile, "can_manage": can_manage},
    )
