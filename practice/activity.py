"""The firm's activity log: `activity_record` appends an entry; the rest says how
entries read: one translated sentence per verb, and the
before → after values of edits in words (field labels and choice labels).

Apps add their verbs with `register_verbs({...})` from their AppConfig.ready();
the client verbs of issue 3 are declared here so the log reads from day one."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from practice.models import ActivityEvent, Currency, Firm, User
from practice.templatetags.money import format_money

# verb -> sentence; %(target)s is the object's name at the time of the event.
VERB_SENTENCES = {
    "firm.created": _("Created the firm %(target)s"),
    "firm.updated": _("Changed the firm settings"),
    "firm.two_step_required": _("Required two-step verification for every member from %(target)s"),
    "firm.two_step_not_required": _("Stopped requiring two-step verification"),
    "billing_profile.updated": _("Changed the billing profile"),
    "invitation.sent": _("Invited %(target)s"),
    "invitation.resent": _("Sent the invitation to %(target)s again"),
    "invitation.revoked": _("Withdrew the invitation to %(target)s"),
    "member.joined": _("Joined the team"),
    "member.role_changed": _("Changed the role of %(target)s"),
    "member.deactivated": _("Deactivated %(target)s"),
    "member.reactivated": _("Reactivated %(target)s"),
    "member.primary_admin_transferred": _("Handed the primary admin role to %(target)s"),
    "member.client_access_changed": _("Changed which clients %(target)s reaches"),
    "client.created": _("Added the client %(target)s"),
    "client.updated": _("Edited the client %(target)s"),
    "client.made_inactive": _("Made the client %(target)s inactive"),
    "client.made_active": _("Made the client %(target)s active"),
    "client.deleted": _("Deleted the client %(target)s permanently"),
    "client.lead_reassigned": _("Handed clients over to %(target)s"),
    "client.demo_loaded": _("Loaded demo clients into %(target)s"),
}

# Values stored as codes in `changes`, shown with their labels.
_EXTRA_FIELD_LABELS = {
    "primary_admin": _("primary admin"),
    "clients": _("clients"),
    "payer": _("who pays"),
    "users": _("billable users"),
    "features": _("features in use"),
    "updated": pgettext_lazy("import count", "updated"),
    "unchanged": _("unchanged"),
    "failed": _("failed"),
    "restored": _("restored"),
    "not_restored": _("not restored"),
    "import": _("import"),
    "undo_import": _("undone import"),
    "track": _("what to track"),
    "accountants": _("connected accountants"),
    "employees": _("employees"),
    "from_firm": _("previous firm"),
    "to_firm": _("new firm"),
    "member": _("team member"),
    "admin": _("account admin"),
    "until": _("until"),
    "rows": _("rows"),
    "search": _("search"),
    "sort": _("sort"),
    "inactive_included": _("inactive clients included"),
}


def register_verbs(sentences: dict) -> None:
    """Let an app describe its own verbs (call from AppConfig.ready)."""
    VERB_SENTENCES.update(sentences)


# Change keys that are no model field: key -> choices, so codes read as labels.
_EXTRA_FIELD_CHOICES: dict[str, dict] = {}


def register_change_labels(*, labels: dict | None = None, choices: dict | None = None) -> None:
    """Let an app name the change keys it records that are no model field
    (call from AppConfig.ready); `choices` maps a key to its TextChoices class."""
    _EXTRA_FIELD_LABELS.update(labels or {})
    for key, choice_class in (choices or {}).items():
        _EXTRA_FIELD_CHOICES[key] = dict(choice_class.choices)


def _model_for(target_type: str) -> type[models.Model] | None:
    if not target_type:
        return None
    for app_label in ("practice", "clients", "subscriptions", "billing", "imports"):
        try:
            return apps.get_model(app_label, target_type)
        except LookupError:
            continue
    return None


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    is_pair: bool = True


def _label_value(field, value, name: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is None and name in _EXTRA_FIELD_CHOICES and isinstance(value, str):
        return str(_EXTRA_FIELD_CHOICES[name].get(value, value))
    return str(value)


def _field_of(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _language_label(value) -> str:
    return str(dict(settings.LANGUAGES).get(value, value)) if value else "—"


def describe_changes(event: ActivityEvent) -> list[Change]:
    model = _model_for(event.target_type)
    rows = []
    for name, value in (event.changes or {}).items():
        field = _field_of(model, name)
        if field is None and name == "role":
            field = _field_of(apps.get_model("practice", "Membership"), "role")
        label = (
            field.verbose_name
            if field is not None and hasattr(field, "verbose_name")
            else _EXTRA_FIELD_LABELS.get(name, name.replace("_", " "))
        )
        label = capfirst(str(label))
        if isinstance(value, list | tuple) and len(value) == 2:
            before, after = value
            if name == "language":
                rows.append(Change(label, _language_label(before), _language_label(after)))
            else:
                rows.append(
                    Change(
                        label,
                        _label_value(field, before, name),
                        _label_value(field, after, name),
                    )
                )
        elif name in Currency.values and isinstance(value, str):
            # Money totals (e.g. an issued statement), shown in the reader's locale.
            try:
                shown = format_money(Decimal(value), name)
            except (InvalidOperation, ValueError):
                shown = value
            rows.append(Change(name, "", shown, is_pair=False))
        else:
            rows.append(Change(label, "", _label_value(field, value, name), is_pair=False))
    return rows


def describe(event: ActivityEvent) -> str:
    sentence = VERB_SENTENCES.get(event.verb)
    target = event.target_label or "—"
    if sentence is None:
        return f"{capfirst(event.verb.replace('.', ' ').replace('_', ' '))}: {target}"
    return str(sentence) % {"target": target}


def changes_as_text(changes: list[Change]) -> str:
    parts = []
    for change in changes:
        if change.is_pair:
            parts.append(f"{change.field}: {change.before} → {change.after}")
        else:
            parts.append(f"{change.field}: {change.after}")
    return "; ".join(parts)


def activity_record(
    *,
    firm: Firm,
    by: User | None,
    verb: str,
    target=None,
    target_type: str = "",
    target_label: str = "",
    changes: dict | None = None,
) -> ActivityEvent:
    """Append one entry to the firm's activity log."""
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_label = target_label or str(target)
    return ActivityEvent.objects.create(
        firm=firm,
        actor=by,
        verb=verb,
        target_type=target_type,
        target_id=getattr(target, "pk", None),
        target_label=target_label[:255],
        changes=changes or {},
    )
