"""Tenant scoping helpers.

Every firm-owned model uses django-scopes' ScopedManager: a query outside
`scope(firm=...)` raises ScopeError. The gate middleware enters the scope for
every /f/<slug>/ request; Celery tasks enter it with `firm_scope(firm_id)`.
"""

from contextlib import contextmanager

from django.http import Http404
from django_scopes import scope, scopes_disabled

__all__ = ["firm_scope", "get_in_firm_or_404", "scope", "scopes_disabled"]


@contextmanager
def firm_scope(firm):
    with scope(firm=firm):
        yield firm


def get_in_firm_or_404(queryset_or_model, *, firm, **lookup):
    """Fetch one object of `firm` or raise Http404.

    The message is the same whether the object does not exist or belongs to
    another firm, so ids of other tenants can't be probed."""
    manager = getattr(queryset_or_model, "objects", queryset_or_model)
    queryset = manager.all() if hasattr(manager, "all") else manager
    try:
        return queryset.get(firm=firm, **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such object.") from None
