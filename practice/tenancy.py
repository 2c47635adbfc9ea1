"""Tenant scoping helpers.

Every firm-owned model uses django-scopes' ScopedManager: a query outside
`scope(firm=...)` raises ScopeError. The gate middleware enters the scope for
every /f/<slug>/ request; Celery tasks enter it with `firm_scope(firm_id)`.
"""

from contextlib import contextmanager
from functools import wraps

from django.http import Http404
from django_scopes import scope, scopes_disabled

from practice.logs import firm_logged
from practice.models import Firm

__all__ = ["firm_scope", "firm_task", "get_in_firm_or_404", "scope", "scopes_disabled"]


@contextmanager
def firm_scope(firm):
    """The firm's scope; log lines written inside it name the firm."""
    with scope(firm=firm), firm_logged(firm):
        yield firm


def get_in_firm_or_404(queryset_or_model, *, firm, **lookup):
    """Fetch one object of `firm` or raise Http404.

    The answer is the same whether the object does not exist or belongs to
    another firm, so ids of other tenants can't be probed. The 404 has no
    message: the 404 page and the API's answer never show one."""
    queryset = getattr(queryset_or_model, "objects", queryset_or_model).all()
    try:
        return queryset.get(firm=firm, **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def firm_task(*task_args, **task_options):
    """Declare a Celery task that acts within one firm (pretix's EventTask).

    The task is called with the firm's id first: `task.delay(firm_id, ...)`. The
    wrapper loads the firm, enters its scope and calls the function with the
    Firm instead of the id; a firm that no longer exists makes the task a no-op
    that returns None. With `bind=True` the function receives the task first,
    as usual: `def run(self, firm, ...)`."""
    from celery import shared_task

    def decorate(func):
        bound = task_options.get("bind")

        @wraps(func)
        def run(*args, **kwargs):
            task, rest = (args[0], args[1:]) if bound else (None, args)
            firm_id, rest = rest[0], rest[1:]
            firm = Firm.objects.filter(pk=firm_id).first()
            if firm is None:
                return None
            with firm_scope(firm):
                if bound:
                    return func(task, firm, *rest, **kwargs)
                return func(firm, *rest, **kwargs)

        return shared_task(**task_options)(run)

    if task_args and callable(task_args[0]) and not task_options:
        return decorate(task_args[0])
    return decorate
