from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from practice.accounts.history import security_history
from practice.selectors import firms_for_user


@login_required
def security(request):
    """The person's own security page: how they sign in, and their history."""
    events = security_history(user=request.user)
    labels = dict(Authenticator.Type.choices)
    for event in events:
        event.factor = labels.get(event.detail, "")
    return render(
        request,
        "account/security.html",
        {
            "events": events,
            "has_two_step": is_mfa_enabled(request.user),
            "firms": firms_for_user(request.user),
        },
    )


def admin_login(request):
    """The Django admin has no sign-in of its own: the site's sign-in (with its
    throttle and two-step verification) leads there, and only staff get in."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    return redirect(next_url if next_url.startswith("/admin/") else reverse("admin:index"))


def moved(pattern_name: str):
    """Old account addresses (bookmarks, e-mails already sent) lead to the new ones."""

    def view(request, **kwargs):
        url = reverse(pattern_name)
        if request.META.get("QUERY_STRING"):
            url += "?" + request.META["QUERY_STRING"]
        return redirect(url)

    return view
