from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from practice import selectors

# The main navigation: (label, url name, admins only). An entry shows once its
# URL exists, so each app adds its pages by naming them here.
NAVIGATION = [
    (_("Clients"), "clients:list", False),
    (_("Subscriptions & billing"), "billing:index", False),
    (_("Imports"), "imports:index", False),
    (_("Apps"), "subscriptions:apps", False),
    (_("Team"), "team", False),
    (_("Activity"), "activity", False),
    (_("Settings"), "firm_settings", False),
]


def workspace(request):
    firm = getattr(request, "firm", None)
    context = {
        "LANGUAGES": settings.LANGUAGES,
        "firm": firm,
        "membership": getattr(request, "membership", None),
    }
    if firm is None:
        return context
    nav = []
    for label, name, admins_only in NAVIGATION:
        if admins_only and not request.membership.is_admin:
            continue
        try:
            url = reverse(name, kwargs={"firm_slug": firm.slug})
        except NoReverseMatch:
            continue
        nav.append({"label": label, "url": url, "active": request.path.startswith(url)})
    context["nav"] = nav
    context["user_firms"] = selectors.firms_for_user(request.user)
    return context
