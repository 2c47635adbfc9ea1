"""The Time admin's e-mailed link (R24), outside any firm: it is accepted by the
invited person only, signed in with the invited address, or by creating that
account here."""

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from practice import selectors as practice_selectors
from practice import services as practice_services
from practice.forms import SignUpForm
from practice.signing import LinkError
from practice.web import apply_errors
from subscriptions.clientapps import invitations
from subscriptions.clientapps import selectors as app_selectors


def _invalid(request, reason: str):
    return render(
        request, "subscriptions/time_invitation_invalid.html", {"reason": reason}, status=410
    )


def _accept(request, token: str, account):
    try:
        invitations.time_invitation_accept(token=token, user=request.user)
    except LinkError as exc:
        return _invalid(request, str(exc))
    return render(
        request, "subscriptions/time_invitation.html", {"account": account, "accepted": True}
    )


@require_http_methods(["GET", "POST"])
def time_invitation_accept(request, token: str):
    try:
        account = app_selectors.time_invitation_from_token(token)
    except LinkError as exc:
        return _invalid(request, str(exc))
    email = account.admin.email if account.admin else ""
    context = {"account": account, "email": email}
    if request.user.is_authenticated:
        if request.user.email.lower() != email.lower():
            return render(
                request,
                "practice/invitation_wrong_account.html",
                {"invitation": {"email": email}},
                status=403,
            )
        if request.method == "POST":
            return _accept(request, token, account)
        return render(request, "subscriptions/time_invitation.html", context)
    context["has_account"] = practice_selectors.account_exists(email=email)
    if not context["has_account"]:
        form = SignUpForm(
            request.POST or None, email=email, initial={"full_name": str(account.admin or "")}
        )
        context["signup_form"] = form
        if request.method == "POST" and form.is_valid():
            try:
                user = practice_services.account_create(
                    email=email,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                    language=request.LANGUAGE_CODE,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return _accept(request, token, account)
    status = 400 if context.get("signup_form") is not None and request.method == "POST" else 200
    return render(request, "subscriptions/time_invitation.html", context, status=status)
