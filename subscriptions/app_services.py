"""Apps for clients: installing Time or Payroll for a client and the Time setup
wizard (R23, R24). The add-on itself is billed per R20 through
subscriptions.services.addon_create, so statements carry it only when the firm pays.

Every write here takes the firm and the acting Membership and records activity."""

import datetime
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, ClientStatus, CompanyMember
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.tenancy import firm_scope
from subscriptions import services as subscription_services
from subscriptions.models import (
    AppSetup,
    Billing,
    ImportStatus,
    Product,
    ProductKind,
    SetupStatus,
    SetupStep,
    Subscription,
    SubscriptionStatus,
    TimeAccount,
    TimeAccountAccountant,
    TimeAccountOrigin,
    TimeEmployee,
    TimeProAccount,
)

APP_CODES = ("time", "payroll")
INVITATION_SALT = "subscriptions.time_invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=14)
MAX_CONNECTED_ACCOUNTANTS = 2
LIVE = (SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE)


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


ADMIN_PERMISSIONS = [
    ("manage_team", gettext_lazy("Manage the team and its schedules")),
    ("approve_time", gettext_lazy("Approve timesheets")),
    ("edit_time", gettext_lazy("Edit everyone's time entries")),
    ("reports", gettext_lazy("See reports")),
    ("jobs", gettext_lazy("Manage customers, jobs and service items")),
]

TRACK_CHOICES = [
    ("employees", gettext_lazy("Team members, as employees")),
    ("customers_jobs", gettext_lazy("Customers and jobs")),
    ("service_items", gettext_lazy("Service items")),
]


# Account IDs -----------------------------------------------------------------

TIME_ACCOUNT_RE = re.compile(r"^TA-(\d{4})-(\d{4})$")
PRO_ACCOUNT_RE = re.compile(r"^PRO-\d{6}$")


def _luhn_digit(digits: str) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def normalize_account_id(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def time_account_id_is_valid(value: str) -> bool:
    """TA-1234-5678: eight digits, the last a check digit of the first seven."""
    match = TIME_ACCOUNT_RE.match(value)
    if not match:
        return False
    digits = match.group(1) + match.group(2)
    return _luhn_digit(digits[:7]) == int(digits[7])


def new_time_account_id() -> str:
    body = f"{secrets.randbelow(10**7):07d}"
    digits = body + str(_luhn_digit(body))
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


# Preconditions ---------------------------------------------------------------


@dataclass
class Blocker:
    message: str
    url: str = ""
    link_label: str = ""


def app_products() -> list[Product]:
    return list(
        Product.objects.filter(kind=ProductKind.ADDON, is_active=True, code__in=APP_CODES)
        .prefetch_related("prices")
        .order_by("sort_order")
    )


def active_team(client: Client) -> list[CompanyMember]:
    """The client company's active team members (none for clients without a
    company account yet)."""
    if client.company_account_id is None:
        return []
    return list(
        CompanyMember.objects.filter(company_id=client.company_account_id, is_active=True).order_by(
            "full_name", "email"
        )
    )


def live_plan(client: Client) -> Subscription | None:
    return (
        Subscription.objects.filter(
            firm=client.firm_id, client=client, parent__isnull=True, status__in=LIVE
        )
        .select_related("product")
        .first()
    )


def app_blockers(*, firm: Firm, client: Client, product: Product) -> list[Blocker]:
    """Why `product` can't be set up for `client` now, each with how to fix it.
    R23: the client's team members come first."""
    slug = firm.slug
    profile = reverse("clients:detail", args=[slug, client.pk])
    blockers = []
    if client.status != ClientStatus.ACTIVE:
        blockers.append(
            Blocker(
                _("%(client)s is inactive: make the client active to set up apps.")
                % {"client": client},
                profile,
                _("Open the client"),
            )
        )
    plan = live_plan(client)
    if plan is None:
        blockers.append(
            Blocker(
                _("%(app)s is an add-on: %(client)s needs a subscription to a plan first.")
                % {"app": product.name, "client": client},
                f"{profile}?tab=products",
                _("See the client's products"),
            )
        )
    elif plan.status != SubscriptionStatus.ACTIVE:
        blockers.append(
            Blocker(
                _(
                    "The %(plan)s subscription of %(client)s is waiting for its wholesale "
                    "enrolment to complete; add-ons can be added once it is active."
                )
                % {"plan": plan.product.name, "client": client},
                reverse("billing_profile", args=[slug]),
                _("Check the billing profile"),
            )
        )
    if not active_team(client):
        blockers.append(
            Blocker(
                _(
                    "%(client)s has no team members yet. %(app)s is set up for the people "
                    "who will track their time: add the client's team members first, then "
                    "come back to finish."
                )
                % {"client": client, "app": product.name},
                f"{profile}?tab=team",
                _("Add team members"),
            )
        )
    return blockers


# Install ---------------------------------------------------------------------


def _require_firm_pays_allowed(by: Membership) -> None:
    if not by.is_admin:
        raise PermissionDenied(
            _(
                "Only the firm's admins can choose billing that the firm pays. Choose "
                "“billed to the client”, or ask an admin."
            )
        )


def _existing_addon(plan: Subscription, product: Product) -> Subscription | None:
    return Subscription.objects.filter(
        firm=plan.firm_id, parent=plan, product=product, status__in=LIVE
    ).first()


@transaction.atomic
def app_install(
    *, firm: Firm, client: Client, product: Product, payer: str, by: Membership
) -> AppSetup:
    """ "Get app": install Time or Payroll for the client with a billing type and
    start its setup (R24). Billed to the firm (wholesale) or to the client (split
    billing, R20); the firm paying is an admin's choice (R2). A setup already
    started for this client and app is returned as is, to be resumed."""
    Client.objects.select_for_update(of=("self",)).filter(firm=firm, pk=client.pk).first()
    if product.code not in APP_CODES or product.kind != ProductKind.ADDON:
        raise ValidationError(_("Choose an app from the catalogue."))
    existing = AppSetup.objects.filter(firm=firm, client=client, product=product).first()
    if existing is not None:
        return existing
    blockers = app_blockers(firm=firm, client=client, product=product)
    if blockers:
        raise ValidationError([b.message for b in blockers])
    if payer not in Billing.values:
        raise ValidationError({"payer": _("Choose who pays the app.")})
    plan = live_plan(client)
    addon = _existing_addon(plan, product)
    if addon is None:
        if payer == Billing.WHOLESALE:
            _require_firm_pays_allowed(by)
        addon = subscription_services.addon_create(
            firm=firm, subscription=plan, product=product, payer=payer, by=by
        )
    setup = AppSetup.objects.create(
        firm=firm,
        client=client,
        product=product,
        subscription=addon,
        step=SetupStep.ACCOUNT if product.code == "time" else SetupStep.PAYROLL,
        data={"install": {"payer": addon.billing}},
        created_by=by.user,
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.installed",
        target=setup,
        changes={"payer": [None, addon.billing]},
    )
    return setup


def _advance(setup: AppSetup, done: str) -> None:
    """Record `done` as saved: the furthest step moves past it, never back."""
    order = [*setup.steps, SetupStep.DONE]
    following = order[order.index(done) + 1]
    if order.index(following) > order.index(setup.step):
        setup.step = following


def _lock(setup: AppSetup) -> AppSetup:
    return (
        AppSetup.objects.select_for_update(of=("self",))
        .select_related("client", "product", "subscription")
        .get(firm=setup.firm_id, pk=setup.pk)
    )


def _require_step(setup: AppSetup, step: str) -> None:
    if step not in setup.steps:
        raise ValidationError(_("This step is not part of this app's setup."))
    order = [*setup.steps, SetupStep.DONE]
    if order.index(step) > order.index(setup.step):
        raise ValidationError(_("Finish the earlier steps first."))


# Accounts --------------------------------------------------------------------


def time_pro_account(*, firm: Firm) -> TimeProAccount | None:
    return TimeProAccount.objects.filter(firm=firm).first()


@transaction.atomic
def time_pro_account_register(
    *, firm: Firm, account_name: str, account_id: str, by: Membership
) -> TimeProAccount:
    """The firm's Time pro account, registered once for the whole firm (admins)."""
    if not by.is_admin:
        raise PermissionDenied(_("Only the firm's admins connect the firm's Time pro account."))
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
    setup = _lock(setup)
    _require_step(setup, SetupStep.ACCOUNT)
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
    _advance(setup, SetupStep.ACCOUNT)
    setup.save(update_fields=["data", "step", "updated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.account_connected",
        target=setup,
        changes={"account_id": [before, account_id], "origin": [None, mode]},
    )
    return current


# Payroll settings ------------------------------------------------------------


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
    setup = _lock(setup)
    _require_step(setup, SetupStep.PAYROLL)
    values = payroll_settings_validate(
        pay_period=pay_period,
        period_start=period_start,
        daily_overtime_hours=daily_overtime_hours,
        weekly_overtime_hours=weekly_overtime_hours,
        overtime_multiplier=overtime_multiplier,
    )
    before = setup.data.get("payroll")
    setup.data["payroll"] = values
    _advance(setup, SetupStep.PAYROLL)
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


# What to track and the import ------------------------------------------------


@transaction.atomic
def app_tracking_save(
    *,
    firm: Firm,
    setup: AppSetup,
    track: list[str],
    member_ids: list[int],
    by: Membership,
) -> AppSetup:
    """What the Time account imports and tracks. Importing the chosen team members
    as employees runs in the background (time_employees_import)."""
    setup = _lock(setup)
    _require_step(setup, SetupStep.TRACK)
    account = TimeAccount.objects.filter(firm=firm, setup=setup).first()
    if account is None:
        raise ValidationError(_("Connect the client's Time account first."))
    track = [t for t in dict(TRACK_CHOICES) if t in set(track)]
    team = {m.pk: m for m in active_team(setup.client)}
    chosen = sorted({int(i) for i in member_ids})
    if "employees" in track:
        unknown = [i for i in chosen if i not in team]
        if unknown:
            raise ValidationError({"members": _("Choose among the client's active team members.")})
        if not chosen:
            raise ValidationError({"members": _("Choose the team members to import as employees.")})
    else:
        chosen = []
    setup.data["track"] = {"items": track, "member_ids": chosen}
    _advance(setup, SetupStep.TRACK)
    if chosen:
        setup.import_status = ImportStatus.QUEUED
        setup.import_total = len(chosen)
        setup.import_done = TimeEmployee.objects.filter(
            firm=firm, time_account=account, member_id__in=chosen
        ).count()
        firm_id, setup_id = firm.pk, setup.pk

        def enqueue():
            from subscriptions.tasks import time_employees_import

            time_employees_import.delay(firm_id, setup_id)

        transaction.on_commit(enqueue)
    else:
        setup.import_status, setup.import_total, setup.import_done = ImportStatus.NONE, 0, 0
    setup.save(
        update_fields=[
            "data",
            "step",
            "import_status",
            "import_total",
            "import_done",
            "updated_at",
        ]
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.tracking_saved",
        target=setup,
        changes={"track": [None, ", ".join(track) or "—"]},
    )
    return setup


def time_employees_import_run(*, firm: Firm, setup_id: int) -> int:
    """Import the chosen team members as employees of the client's Time account,
    one at a time so the page can show progress. Safe to run again: members
    already imported are skipped. Returns how many were added."""
    setup = AppSetup.objects.filter(firm=firm, pk=setup_id).select_related("client").first()
    if setup is None:
        return 0
    account = TimeAccount.objects.filter(firm=firm, setup=setup).first()
    member_ids = (setup.data.get("track") or {}).get("member_ids") or []
    if account is None or not member_ids:
        AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_status=ImportStatus.DONE)
        return 0
    AppSetup.objects.filter(firm=firm, pk=setup.pk).update(
        import_status=ImportStatus.RUNNING, import_total=len(member_ids)
    )
    members = {m.pk: m for m in active_team(setup.client)}
    added = 0
    for done, member_id in enumerate(member_ids, start=1):
        member = members.get(member_id)
        if member is not None:
            _employee, created = TimeEmployee.objects.get_or_create(
                firm=firm,
                time_account=account,
                member=member,
                defaults={"full_name": member.full_name, "email": member.email},
            )
            added += int(created)
        AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_done=done)
    AppSetup.objects.filter(firm=firm, pk=setup.pk).update(import_status=ImportStatus.DONE)
    if added:
        activity_record(
            firm=firm,
            by=None,
            verb="app.employees_imported",
            target=setup,
            changes={"employees": [None, added]},
        )
    return added


# Account admin, connected accountants and the invitation ---------------------


@transaction.atomic
def time_accountants_set(
    *, firm: Firm, time_account: TimeAccount, memberships: list[Membership], by: Membership
) -> list[TimeAccountAccountant]:
    """The firm's accountants connected to the client's Time account: at most two."""
    TimeAccount.objects.select_for_update(of=("self",)).filter(
        firm=firm, pk=time_account.pk
    ).first()
    wanted = {m.pk: m for m in memberships}
    if len(wanted) > MAX_CONNECTED_ACCOUNTANTS:
        raise ValidationError(
            {
                "accountants": _(
                    "At most %(n)s of the firm's accountants can be connected to one Time account."
                )
                % {"n": MAX_CONNECTED_ACCOUNTANTS}
            }
        )
    for membership in wanted.values():
        if membership.firm_id != firm.pk or not membership.is_active:
            raise ValidationError({"accountants": _("Choose active members of the firm's team.")})
    existing = {
        a.membership_id: a
        for a in TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account)
    }
    before = sorted(existing)
    TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account).exclude(
        membership_id__in=list(wanted)
    ).delete()
    for pk, membership in wanted.items():
        if pk not in existing:
            TimeAccountAccountant.objects.create(
                firm=firm, time_account=time_account, membership=membership
            )
    if before != sorted(wanted):
        activity_record(
            firm=firm,
            by=by.user,
            verb="app.accountants_connected",
            target=time_account,
            changes={"accountants": [len(before), len(wanted)]},
        )
    return list(
        TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account).select_related(
            "membership__user"
        )
    )


def time_invitation_token(account: TimeAccount) -> str:
    return signing.dumps(
        {"a": account.pk, "n": account.invitation_nonce}, salt=INVITATION_SALT, compress=True
    )


def time_invitation_url(account: TimeAccount) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "time_invitation_accept", args=[time_invitation_token(account)]
    )


def time_invitation_expires_at(account: TimeAccount):
    if account.invitation_sent_at is None:
        return None
    return account.invitation_sent_at + INVITATION_MAX_AGE


@transaction.atomic
def time_admin_invite(
    *,
    firm: Firm,
    setup: AppSetup,
    admin_member_id: int,
    permissions: list[str],
    accountants: list[Membership],
    by: Membership,
    language: str = "",
) -> TimeAccount:
    """Designate the Time account's admin among the client's team members, set
    their permissions and connect up to two of the firm's accountants, then
    e-mail the admin an invitation valid for 14 days. Sending again replaces
    the earlier link."""
    setup = _lock(setup)
    _require_step(setup, SetupStep.ADMIN)
    account = (
        TimeAccount.objects.select_for_update(of=("self",)).filter(firm=firm, setup=setup).first()
    )
    if account is None:
        raise ValidationError(_("Connect the client's Time account first."))
    if account.accepted_at is not None:
        raise ValidationError(_("The account admin has already accepted the invitation."))
    team = {m.pk: m for m in active_team(setup.client)}
    admin = team.get(admin_member_id)
    if admin is None:
        raise ValidationError({"admin": _("Choose the admin among the client's team members.")})
    permissions = [p for p in dict(ADMIN_PERMISSIONS) if p in set(permissions)]
    time_accountants_set(firm=firm, time_account=account, memberships=accountants, by=by)
    resend = account.invitation_sent_at is not None
    account.admin = admin
    account.admin_permissions = permissions
    account.invitation_nonce = secrets.token_urlsafe(16)
    account.invitation_sent_at = timezone.now()
    account.invited_by = by.user
    account.save(
        update_fields=[
            "admin",
            "admin_permissions",
            "invitation_nonce",
            "invitation_sent_at",
            "invited_by",
        ]
    )
    setup.data["admin"] = {"member_id": admin.pk, "permissions": permissions}
    _advance(setup, SetupStep.ADMIN)
    setup.status = SetupStatus.INVITED
    setup.save(update_fields=["data", "step", "status", "updated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.invitation_resent" if resend else "app.invitation_sent",
        target=setup,
        changes={"admin": [None, str(admin)]},
    )
    account_id, lang = account.pk, language or firm.language

    def enqueue():
        from subscriptions.tasks import time_invitation_email

        time_invitation_email.delay(firm.pk, account_id, lang)

    transaction.on_commit(enqueue, robust=True)
    return account


class TimeInvitationError(Exception):
    pass


def time_invitation_from_token(token: str) -> TimeAccount:
    """Resolve a Time invitation link: the signed token is the only key, so this
    runs outside any firm. Raises TimeInvitationError with a message for the
    person holding the link."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise TimeInvitationError(
            _("This invitation has expired. Ask your accountant to send it again.")
        ) from None
    except signing.BadSignature:
        raise TimeInvitationError(_("This invitation link is not valid.")) from None
    from practice.tenancy import scopes_disabled

    with scopes_disabled():
        account = (
            TimeAccount.objects.select_related("firm", "client", "admin", "setup__product")
            .filter(pk=data.get("a"))
            .first()
        )
    if (
        account is None
        or not account.invitation_nonce
        or not secrets.compare_digest(account.invitation_nonce, str(data.get("n", "")))
    ):
        raise TimeInvitationError(
            _("This invitation link is no longer valid. A newer one may have been sent.")
        )
    if account.accepted_at is not None:
        raise TimeInvitationError(_("This invitation has already been accepted."))
    if timezone.now() >= time_invitation_expires_at(account):
        raise TimeInvitationError(
            _("This invitation has expired. Ask your accountant to send it again.")
        )
    return account


def time_invitation_accept(*, token: str) -> TimeAccount:
    """The client's admin accepts: the Time account and the app become active and
    the firm is e-mailed."""
    account = time_invitation_from_token(token)
    firm = account.firm
    with firm_scope(firm), transaction.atomic():
        locked = TimeAccount.objects.select_for_update(of=("self",)).get(firm=firm, pk=account.pk)
        if locked.accepted_at is not None or locked.invitation_nonce != account.invitation_nonce:
            raise TimeInvitationError(_("This invitation has already been accepted."))
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        AppSetup.objects.filter(firm=firm, pk=locked.setup_id).update(
            status=SetupStatus.ACTIVE, step=SetupStep.DONE, updated_at=timezone.now()
        )
        activity_record(
            firm=firm,
            by=None,
            verb="app.invitation_accepted",
            target=account.setup,
            changes={"admin": [None, str(account.admin or "—")]},
        )
        firm_id, account_id = firm.pk, locked.pk

        def enqueue():
            from subscriptions.tasks import time_invitation_accepted_email

            time_invitation_accepted_email.delay(firm_id, account_id)

        transaction.on_commit(enqueue, robust=True)
    return locked
