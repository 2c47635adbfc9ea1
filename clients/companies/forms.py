"""Forms of the client company's team, the client portal and accountant invitations."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import (
    AccountantInvitationKind,
    Company,
    CompanyMember,
    CompanyRole,
)
from practice.forms import StyledFormMixin
from practice.validators import validate_not_card_number

ROLE_CHOICES = [
    (CompanyRole.ADMIN.value, CompanyRole.ADMIN.label),
    (CompanyRole.STANDARD.value, CompanyRole.STANDARD.label),
    (CompanyRole.TIME_TRACKING.value, CompanyRole.TIME_TRACKING.label),
]


class CompanyMemberForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role in the company"), choices=ROLE_CHOICES)
    portal_access = forms.BooleanField(
        label=_("Invite to the client portal by e-mail"), required=False
    )


class CompanyMemberEditForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role in the company"), choices=ROLE_CHOICES)

    def __init__(self, *args, member: CompanyMember, **kwargs):
        super().__init__(*args, **kwargs)
        if member.is_primary_admin:
            self.fields["role"].choices = [(member.role, member.get_role_display())]
            self.fields["role"].disabled = True


class CompanyRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class AccountantInviteForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label=_("Accountant's e-mail"))
    kind = forms.ChoiceField(
        label=_("What should happen"),
        choices=[
            (AccountantInvitationKind.ADD.value, _("Add this accountant to my company")),
            (
                AccountantInvitationKind.TRANSFER.value,
                _("Transfer my company to this accountant (the current firm loses access)"),
            ),
        ],
        widget=forms.RadioSelect,
        initial=AccountantInvitationKind.ADD.value,
    )
    from_firm = forms.TypedChoiceField(
        label=_("Firm you leave"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.firms = {f.pk: f for f in firms}
        if len(firms) < 2:
            del self.fields["from_firm"]
        else:
            self.fields["from_firm"].choices = [("", "—")] + [(f.pk, f.name) for f in firms]
        if not firms:
            self.fields["kind"].choices = self.fields["kind"].choices[:1]

    def chosen_firm(self):
        return self.firms.get(self.cleaned_data.get("from_firm"))


class PrimaryAdminForm(StyledFormMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=_("New primary admin"), queryset=CompanyMember.objects.none()
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = CompanyMember.objects.filter(
            company=company, is_active=True
        ).exclude(role=CompanyRole.PRIMARY_ADMIN)


class CompanyBillingForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Company
        fields = ["billing_contact", "billing_email", "billing_address", "payment_method"]
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
        self.fields["payment_method"].validators.append(validate_not_card_number)
        self.fields["payment_method"].help_text = _(
            "A label or reference, such as “SEPA mandate RUM-2024-118” or “Visa ending 4242”."
        )


class FirmChoiceForm(StyledFormMixin, forms.Form):
    """The accountant picks the firm that takes the client (R22)."""

    membership = forms.TypedChoiceField(label=_("Add the client to"), coerce=int)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [(m.pk, m.firm.name) for m in memberships]
        self.fields["membership"].widget = forms.RadioSelect(
            choices=self.fields["membership"].choices, attrs={"class": "form-check-input"}
        )
        if len(memberships) == 1:
            self.fields["membership"].initial = memberships[0].pk

    def chosen(self):
        return self.memberships[self.cleaned_data["membership"]]


class TwoStepPolicyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Company
        fields = ["two_step_required_from"]
        widgets = {
            "two_step_required_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }
        help_texts = {
            "two_step_required_from": _(
                "From this day, the company's people without two-step verification are "
                "taken to set it up before they reach the portal."
            )
        }
