"""The two e-mailed links of the client side, outside any firm or portal:
a company team member's access to the portal, and an accountant invitation (R22)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clients.companies import portal_access, selectors, transfers
from clients.companies.forms import FirmChoiceForm
from practice import selectors as practice_selectors
from practice.forms import SignUpForm
from practice.signing import LinkError
from practice.web import apply_errors, errors_to_messages


def _invalid(request, reason: str):
    return render(request, "practice/invitation_invalid.html", {"reason": reason}, status=410)


def _wrong_account(request, email: str):
    return render(
        request,
        "practice/invitation_wrong_account.html",
        {"invitation": {"email": email}},
        status=403,
    )


def portal_join(request, token: str):
    """Sign in or create an account, then reach the company's portal."""
    try:
        member = selectors.member_from_portal_token(token)
    except LinkError as exc:
        return _invalid(request, str(exc))
    has_account = practice_selectors.account_exists(email=member.email)
    signup_form = None
    if request.user.is_authenticated:
        if request.user.email.lower() != member.email.lower():
            return _wrong_account(request, member.email)
        if request.method == "POST":
            try:
                portal_access.portal_invitation_accept(member=member, user=request.user)
            except LinkError as exc:
                return _invalid(request, str(exc))
            messages.success(request, _("Welcome to %(company)s.") % {"company": member.company})
            return redirect("portal:overview", member.company_id)
    elif not has_account:
        signup_form = SignUpForm(
            request.POST or None, email=member.email, initial={"full_name": member.full_name}
        )
        if request.method == "POST" and signup_form.is_valid():
            try:
                user = portal_access.portal_signup_accept(
                    member=member,
                    password=signup_form.cleaned_data["password1"],
                    full_name=signup_form.cleaned_data["full_name"],
                    language=request.LANGUAGE_CODE,
                )
            except LinkError as exc:
                return _invalid(request, str(exc))
            except ValidationError as exc:
                apply_errors(signup_form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Welcome to %(company)s.") % {"company": member.company}
                )
                return redirect("portal:overview", member.company_id)
    return render(
        request,
        "clients/portal/join.html",
        {"member": member, "has_account": has_account, "signup_form": signup_form},
    )


def accountant_invitation(request, token: str):
    """R22: the accountant opens the link, signs in, accepts, picks the firm when in
    several, and confirms. Only firms where they are an admin can take the client."""
    try:
        invitation = selectors.accountant_invitation_from_token(token)
    except LinkError as exc:
        return _invalid(request, str(exc))
    context = {"invitation": invitation, "company": invitation.company}
    if not request.user.is_authenticated:
        return render(request, "clients/accountant_invitation.html", context)
    if request.user.email.lower() != invitation.email.lower():
        return _wrong_account(request, invitation.email)

    memberships = selectors.accepting_memberships(user=request.user)
    options = [
        (m, transfers.acceptance_blockers(invitation=invitation, membership=m)) for m in memberships
    ]
    eligible = [m for m, reasons in options if not reasons]
    context.update(options=options, eligible=eligible)
    form = FirmChoiceForm(request.POST or None, memberships=eligible) if eligible else None
    context["form"] = form
    if request.method == "POST" and form is not None and form.is_valid():
        membership = form.chosen()
        if request.POST.get("confirm") != "1":
            context["membership"] = membership
            return render(request, "clients/accountant_invitation_confirm.html", context)
        try:
            client = transfers.accountant_invitation_accept(
                invitation=invitation, membership=membership
            )
        except LinkError as exc:
            return _invalid(request, str(exc))
        except ValidationError as exc:
            errors_to_messages(request, exc)
            return redirect("accountant_invitation", token)
        messages.success(
            request,
            _("%(client)s is now one of %(firm)s's clients.")
            % {"client": client.display_name, "firm": membership.firm.name},
        )
        # Straight to the new client, not to page 1 of a list it may not be on.
        return redirect("clients:detail", firm_slug=membership.firm.slug, client_id=client.pk)
    return render(
        request,
        "clients/accountant_invitation.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )
