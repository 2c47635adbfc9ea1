from django.contrib import messages
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from practice.accounts.policy import has_two_step, required_on


class PrivateNoStoreMiddleware:
    """Pages for a signed-in person are never stored by a browser or a proxy:
    `Cache-Control: private, no-store`, unless the view chose no-store itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response


def enrolment_redirect(request):
    messages.warning(
        request,
        _(
            "Your organisation requires two-step verification. "
            "Set up an authenticator app or a passkey to continue."
        ),
    )
    return redirect("mfa_index")


class TwoStepPolicyMiddleware:
    """Right after the tenant gate: when the firm requires two-step verification
    (from its chosen day), a member without it reaches no firm page and is sent
    to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        firm = getattr(request, "firm", None)
        if (
            firm is not None
            and required_on(firm.two_step_required_from)
            and not has_two_step(request.user)
        ):
            return enrolment_redirect(request)
        return self.get_response(request)
