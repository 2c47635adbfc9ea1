from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import Resolver404, resolve

from practice.logs import request_firm_set
from practice.models import Membership
from practice.tenancy import firm_scope, scopes_disabled


class TenantGateMiddleware:
    """The one gate for firm pages (/f/<firm_slug>/...).

    Anonymous visitors are sent to sign in; signed-in people who are not active
    members of that firm get 404, as if the firm did not exist. Members get
    `request.firm` and `request.membership`, and the view runs inside the
    firm's scope. The Django admin runs with scopes disabled (staff only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.firm = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.app_names and match.app_names[0] == "admin":
            with scopes_disabled():
                return self.get_response(request)
        slug = match.kwargs.get("firm_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = (
            Membership.unscoped.select_related("firm", "user")
            .filter(firm__slug=slug, user=request.user, is_active=True)
            .first()
        )
        if membership is None:
            raise Http404
        request.firm = membership.firm
        request.membership = membership
        request_firm_set(membership.firm)
        with firm_scope(membership.firm):
            return self.get_response(request)
