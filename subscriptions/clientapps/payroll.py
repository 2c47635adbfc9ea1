"""The payroll settings step: pay period, its start and overtime (R24)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practice.activity import activity_record
from practice.models import Firm, Membership
from subscriptions.clientapps.steps import advance, lock, require_step
from subscriptions.models import AppSetup, SetupStatus, SetupStep


class PayPeriod:
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"
    CHOICES = [
        (WEEKLY, gettext_lazy("Weekly")),
        (BIWEEKLY, gettext_lazy("Every two weeks")),
        (SEMIMONTHLY, gettext_lazy("Twice a month")),
        (MONTHLY, gettext_lazy("Monthly")),
    ]


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not number.is_finite():
        errors[field] = _("Enter a number.")
        return None
    return number


def payroll_settings_validate(
    *,
    pay_period: str,
    period_start: datetime.date | None,
    daily_overtime_hours,
    weekly_overtime_hours,
    overtime_multiplier,
) -> dict:
    """Check payroll settings; returns them as stored (Decimals as strings)."""
    errors: dict = {}
    if pay_period not in dict(PayPeriod.CHOICES):
        errors["pay_period"] = _("Choose a pay period.")
    if period_start is None:
        errors["period_start"] = _("Enter the first day of a pay period.")
    elif pay_period == PayPeriod.SEMIMONTHLY and period_start.day not in (1, 16):
        errors["period_start"] = _(
            "Twice-a-month pay periods start on the 1st or the 16th of the month."
        )
    daily = _decimal(daily_overtime_hours, "daily_overtime_hours", errors)
    weekly = _decimal(weekly_overtime_hours, "weekly_overtime_hours", errors)
    multiplier = _decimal(overtime_multiplier, "overtime_multiplier", errors)
    if daily is not None and not Decimal("0") < daily <= Decimal("24"):
        errors["daily_overtime_hours"] = _("A day's threshold is between 0 and 24 hours.")
    if weekly is not None and not Decimal("0") < weekly <= Decimal("168"):
        errors["weekly_overtime_hours"] = _("A week's threshold is between 0 and 168 hours.")
    if (
        daily is not None
        and weekly is not None
        and "daily_overtime_hours" not in errors
        and "weekly_overtime_hours" not in errors
        and weekly < daily
    ):
        errors["weekly_overtime_hours"] = _(
            "The weekly threshold can't be lower than the daily one."
        )
    if (daily is not None or weekly is not None) and multiplier is None and not errors:
        errors["overtime_multiplier"] = _("Enter the overtime pay multiplier, such as 1.5.")
    if multiplier is not None and not Decimal("1") < multiplier <= Decimal("3"):
        errors["overtime_multiplier"] = _(
            "Overtime is paid more than normal time and at most three times it: "
            "enter a multiplier above 1 and up to 3, such as 1.5."
        )
    for name, value in (
        ("daily_overtime_hours", daily),
        ("weekly_overtime_hours", weekly),
        ("overtime_multiplier", multiplier),
    ):
        if value is not None and name not in errors and value != value.quantize(Decimal("0.01")):
            errors[name] = _("Use at most two decimal places.")
    if errors:
        raise ValidationError(errors)
    return {
        "pay_period": pay_period,
        "period_start": period_start.isoformat(),
        "daily_overtime_hours": str(daily) if daily is not None else "",
        "weekly_overtime_hours": str(weekly) if weekly is not None else "",
        "overtime_multiplier": str(multiplier) if multiplier is not None else "",
    }


@transaction.atomic
def app_payroll_save(
    *,
    firm: Firm,
    setup: AppSetup,
    pay_period: str,
    period_start: datetime.date | None,
    daily_overtime_hours=None,
    weekly_overtime_hours=None,
    overtime_multiplier=None,
    by: Membership,
) -> AppSetup:
    """Pay period (weekly, every two weeks, twice a month, monthly) and its start,
    overtime thresholds per day and per week and their pay multiplier."""
    setup = lock(setup)
    require_step(setup, SetupStep.PAYROLL)
    values = payroll_settings_validate(
        pay_period=pay_period,
        period_start=period_start,
        daily_overtime_hours=daily_overtime_hours,
        weekly_overtime_hours=weekly_overtime_hours,
        overtime_multiplier=overtime_multiplier,
    )
    before = setup.data.get("payroll")
    setup.data["payroll"] = values
    advance(setup, SetupStep.PAYROLL)
    if not setup.is_time and setup.step == SetupStep.DONE:
        setup.status = SetupStatus.ACTIVE
    setup.save(update_fields=["data", "step", "status", "updated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.payroll_saved",
        target=setup,
        changes={"pay_period": [(before or {}).get("pay_period"), pay_period]},
    )
    return setup
