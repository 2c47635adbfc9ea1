"""The firm's Time pro account and the client's Time account (R24)."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.permissions import require_admin
from practice.validators import luhn_check_digit
from subscriptions.clientapps.selectors import time_pro_account
from subscriptions.clientapps.steps import advance, lock, require_step
from subscriptions.models import AppSetup, SetupStep, TimeAccount, TimeAccountOrigin, TimeProAccount

TIME_ACCOUNT_RE = re.compile(r"^TA-(\d{4})-(\d{4})$")
PRO_ACCOUNT_RE = re.compile(r"^PRO-\d{6}$")


def normalize_account_id(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def time_account_id_is_valid(value: str) -> bool:
    """TA-1234-5678: eight digits, the last a check digit of the first seven."""
    match = TIME_ACCOUNT_RE.match(value)
    if not match:
        return False
    digits = match.group(1) + match.group(2)
    return luhn_check_digit(digits[:7]) == int(digits[7])


def new_time_account_id() -> str:
    body = f"{secrets.randbelow(10**7):07d}"
    digits = body + str(luhn_check_digit(body))
    return f"TA-{digits[:4]}-{digits[4:]}"


def validate_time_account_id(value: str) -> str:
    value = normalize_account_id(value)
    if not time_account_id_is_valid(value):
        raise ValidationError(
            {
                "account_id": _(
                    "Enter the Time account ID as it appears in the account, such as "
                    "TA-1234-5674: TA, then two groups of four digits."
                )
            }
        )
    return value


@transaction.atomic
def time_pro_account_register(
    *, firm: Firm, account_name: str, account_id: str, by: Membership
) -> TimeProAccount:
    """The firm's Time pro account, registered once for the whole firm (admins)."""
    require_admin(by, message=_("Only the firm's admins connect the firm's Time pro account."))
    account_name = (account_name or "").strip()
    account_id = normalize_account_id(account_id)
    errors = {}
    if not account_name:
        errors["account_name"] = _("Enter the name of the pro account.")
    if not PRO_ACCOUNT_RE.match(account_id):
        errors["account_id"] = _(
            "Enter the pro account ID: PRO- and six digits, such as PRO-123456."
        )
    if errors:
        raise ValidationError(errors)
    if TimeProAccount.objects.filter(firm=firm).exists():
        raise ValidationError(_("The firm's Time pro account is already connected."))
    try:
        with transaction.atomic():
            account = TimeProAccount.objects.create(
                firm=firm, account_name=account_name, account_id=account_id, registered_by=by.user
            )
    except IntegrityError:
        raise ValidationError(_("The firm's Time pro account is already connected.")) from None
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.pro_account_connected",
        target=account,
        changes={"account_id": [None, account_id]},
    )
    return account


@transaction.atomic
def time_account_connect(
    *, firm: Firm, setup: AppSetup, mode: str, account_id: str = "", by: Membership
) -> TimeAccount:
    """Create a new Time account for the client, or link an existing one by its
    ID. One Time account is never linked to two clients (database constraint)."""
    setup = lock(setup)
    require_step(setup, SetupStep.ACCOUNT)
    pro = time_pro_account(firm=firm)
    if pro is None:
        raise ValidationError(_("Connect the firm's Time pro account first."))
    current = TimeAccount.objects.filter(firm=firm, setup=setup).first()
    if current is not None and current.invitation_sent_at is not None:
        raise ValidationError(
            _("The account admin has been invited: the Time account can no longer be changed.")
        )
    if mode == TimeAccountOrigin.LINKED:
        account_id = validate_time_account_id(account_id)
    elif mode == TimeAccountOrigin.NEW:
        if current is not None and current.origin == TimeAccountOrigin.NEW:
            account_id = current.account_id
        else:
            account_id = new_time_account_id()
            while TimeAccount.objects.filter(firm=firm, account_id=account_id).exists():
                account_id = new_time_account_id()
    else:
        raise ValidationError({"mode": _("Create a new account or link an existing one.")})
    holder = (
        TimeAccount.objects.filter(firm=firm, account_id=account_id)
        .exclude(client=setup.client)
        .select_related("client")
        .first()
    )
    if holder is not None:
        raise ValidationError(
            {
                "account_id": _(
                    "This Time account is already linked to %(client)s. One Time account "
                    "can't be linked to two clients."
                )
                % {"client": holder.client}
            }
        )
    before = current.account_id if current else None
    try:
        with transaction.atomic():
            if current is None:
                current = TimeAccount.objects.create(
                    firm=firm,
                    client=setup.client,
                    setup=setup,
                    pro_account=pro,
                    account_id=account_id,
                    origin=mode,
                )
            else:
                current.account_id, current.origin, current.pro_account = account_id, mode, pro
                current.save(update_fields=["account_id", "origin", "pro_account"])
    except IntegrityError:
        raise ValidationError(
            {"account_id": _("This Time account is already linked to another client.")}
        ) from None
    setup.data["account"] = {"mode": mode, "account_id": account_id}
    advance(setup, SetupStep.ACCOUNT)
    setup.save(update_fields=["data", "step", "updated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.account_connected",
        target=setup,
        changes={"account_id": [before, account_id], "origin": [None, mode]},
    )
    return current
