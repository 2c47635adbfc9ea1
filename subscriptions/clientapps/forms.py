from django import forms
from django.utils.translation import gettext_lazy as _

from practice.forms import StyledFormMixin
from subscriptions.clientapps.invitations import ADMIN_PERMISSIONS
from subscriptions.clientapps.payroll import PayPeriod
from subscriptions.clientapps.tracking import TRACK_CHOICES
from subscriptions.models import Billing, TimeAccountOrigin


class InstallForm(StyledFormMixin, forms.Form):
    payer = forms.ChoiceField(
        label=_("Billing type"),
        widget=forms.RadioSelect,
        choices=[
            (Billing.DIRECT, _("Billed to the client (split billing)")),
            (Billing.WHOLESALE, _("Billed to the firm, on its wholesale statement")),
        ],
        initial=Billing.DIRECT,
    )


class ProAccountForm(StyledFormMixin, forms.Form):
    account_name = forms.CharField(label=_("Pro account name"), max_length=120)
    account_id = forms.CharField(
        label=_("Pro account ID"), max_length=20, help_text=_("Such as PRO-123456.")
    )


class AccountForm(StyledFormMixin, forms.Form):
    mode = forms.ChoiceField(
        label=_("The client's Time account"),
        widget=forms.RadioSelect,
        choices=[
            (TimeAccountOrigin.NEW, _("Create a new Time account for the client")),
            (TimeAccountOrigin.LINKED, _("Link an existing Time account")),
        ],
        initial=TimeAccountOrigin.NEW,
    )
    account_id = forms.CharField(
        label=_("Existing Time account ID"),
        max_length=20,
        required=False,
        help_text=_("Only to link an existing account. Such as TA-1234-5674."),
    )


class PayrollForm(StyledFormMixin, forms.Form):
    pay_period = forms.ChoiceField(
        label=_("Pay period"), choices=PayPeriod.CHOICES, widget=forms.RadioSelect
    )
    period_start = forms.DateField(
        label=_("First day of a pay period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    daily_overtime_hours = forms.DecimalField(
        label=_("Overtime after (hours per day)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Leave empty for no daily overtime."),
    )
    weekly_overtime_hours = forms.DecimalField(
        label=_("Overtime after (hours per week)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Leave empty for no weekly overtime."),
    )
    overtime_multiplier = forms.DecimalField(
        label=_("Overtime pay multiplier"),
        required=False,
        max_digits=4,
        decimal_places=2,
        help_text=_("1.5 pays overtime at one and a half times the normal rate."),
    )


class TrackForm(StyledFormMixin, forms.Form):
    track = forms.MultipleChoiceField(
        label=_("Import and track"),
        choices=TRACK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Team members to import as employees"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, f"{m.full_name} <{m.email}>") for m in team]


class AdminForm(StyledFormMixin, forms.Form):
    admin = forms.TypedChoiceField(label=_("Account admin"), coerce=int, widget=forms.RadioSelect)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        choices=ADMIN_PERMISSIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    accountants = forms.TypedMultipleChoiceField(
        label=_("Accountants of the firm connected to the account (two at most)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, team=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin"].choices = [(m.pk, f"{m.full_name} <{m.email}>") for m in team]
        self.fields["accountants"].choices = [(m.pk, str(m.user)) for m in members]
