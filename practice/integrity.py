"""Unique constraints hit by two requests at once.

A service checks first (the friendly message), then writes. When a rival request
writes the same row between the check and the write, the database refuses it; the
write runs in a savepoint so that refusal becomes the sequential case's
ValidationError instead of a server error."""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _


def _columns(model: type[models.Model], name: str) -> list[str] | None:
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.name == name:
            if not constraint.fields:
                return None
            return [model._meta.get_field(field).column for field in constraint.fields]
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None  # not a unique field or constraint of the model: it can't match
    return [field.column]


def violated(exc: IntegrityError, model: type[models.Model], name: str) -> bool:
    """Whether `exc` is the unique constraint `name` of `model` (or its unique field `name`)."""
    columns = _columns(model, name)
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL
        if diag.constraint_name == name:
            return True
        detail = diag.message_detail or ""
        return bool(columns) and detail.startswith(f"Key ({', '.join(columns)})=")
    # SQLite names expression indexes, and lists the columns of the others.
    message = str(exc)
    if f"index '{name}'" in message:
        return True
    table = model._meta.db_table
    return bool(columns) and message.endswith(", ".join(f"{table}.{c}" for c in columns))


def taken_at_once() -> ValidationError:
    return ValidationError(
        _("Someone saved the same details at the same moment. Check the list and try again."),
        code="taken_at_once",
    )


@contextmanager
def unique_or_error(model: type[models.Model], *names: str, recheck: Callable[[], None]):
    """Write in a savepoint; when one of the unique constraints `names` refuses the
    write, `recheck()` (the service's own check) raises the sequential error, which
    by then sees the rival row."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not any(violated(exc, model, name) for name in names):
            raise
        recheck()
        raise taken_at_once() from None
