"""Create forms sent twice create once.

Each create form carries a random one-time token (`form_token`). The first
submission claims it in the same transaction as the create and records where it
led; a second submission with the same token (a double click, a resent request)
creates nothing and is sent to that same place. A submission without a token is
created as before. Tokens are kept a day."""

import datetime
import re
import secrets
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from practice.models import FormSubmission, User

KEEP = datetime.timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token or ""))


@transaction.atomic
def submit_once(*, user: User, token: str, create: Callable[[], str]) -> tuple[str, bool]:
    """Run `create` (which returns the URL its result lives at) once per token:
    (that URL, True) the first time; (the first time's URL, False) afterwards.
    A ValidationError from `create` frees the token for the corrected form."""
    if not valid_token(token):
        return create(), True
    FormSubmission.objects.filter(user=user, created_at__lt=timezone.now() - KEEP).delete()
    claim = FormSubmission(user=user, token=token)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        # Sent before: a submission still running holds the token until it commits.
        return FormSubmission.objects.get(user=user, token=token).result_url, False
    claim.result_url = create()
    claim.save(update_fields=["result_url"])
    return claim.result_url, True
