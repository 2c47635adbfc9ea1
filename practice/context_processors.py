from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
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


def _is_list_page(path: str) -> bool:
    """A firm page that needs nothing but the firm: safe to open in another firm."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return set(match.kwargs) == {"firm_slug"}


def switch_url(request, slug: str) -> str:
    """The same page in firm `slug` when it has no object in it (/f/a/team/ ->
    /f/b/team/); otherwise the nearest enclosing list page of the section
    (/f/a/clients/12/edit/ -> /f/b/clients/); otherwise the firm's home."""
    match = request.resolver_match
    current = request.firm.slug
    prefix = f"/f/{current}/"
    path = request.path_info
    if match is None or not path.startswith(prefix):
        return reverse("firm_home", kwargs={"firm_slug": slug})
    if request.method == "GET" and set(match.kwargs) == {"firm_slug"} and match.view_name:
        return reverse(match.view_name, kwargs={"firm_slug": slug})
    # Walk up the path. The full path is never reused: it either names an
    # object of this firm or, after a POST, may be an action that only takes POST.
    segments = [s for s in path[len(prefix) :].split("/") if s]
    for end in range(len(segments) - 1, 0, -1):
        candidate = f"/f/{slug}/" + "/".join(segments[:end]) + "/"
        if _is_list_page(candidate):
            return candidate
    return reverse("firm_home", kwargs={"firm_slug": slug})


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
    context["user_firms"] = [
        {"firm": f, "url": switch_url(request, f.slug), "current": f.pk == firm.pk}
        for f in selectors.firms_for_user(request.user)
    ]
    return context
