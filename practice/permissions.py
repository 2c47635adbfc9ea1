"""Role checks, used alike by services (with the acting membership) and views
(through `admin_required`). A failed check raises PermissionDenied, which the
site answers with its 403 page in the user's language."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_admin(member, firm=None, *, message: str = "") -> None:
    """Admins and the primary admin manage team and billing (R2); with `firm`,
    the member must also belong to that firm. `member` is a firm membership or
    a company member of the portal: both say `is_admin`."""
    text = message or _("Only the firm's admins can do this.")
    if firm is not None and member.firm_id != firm.pk:
        raise PermissionDenied(text)
    if not member.is_admin:
        raise PermissionDenied(text)


def require_primary_admin(membership, firm=None, *, message: str = "") -> None:
    text = message or _("Only the firm's primary admin can do this.")
    if firm is not None and membership.firm_id != firm.pk:
        raise PermissionDenied(text)
    if not membership.is_primary_admin:
        raise PermissionDenied(text)


def admin_required(view=None, *, message=None):
    """View decorator: the firm's admins only (`request.membership`, set by the gate).
    `message` may be a lazy string, read in the request's language."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            require_admin(request.membership, message=str(message) if message else "")
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
