import datetime

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from practice.models import BillingProfile, Firm, Membership, Role, User


class StyledFormMixin:
    """Give every widget the CSS framework's classes, and mark invalid fields.

    Validation must not run in __init__: subclasses adjust fields (querysets,
    choices) after calling super().__init__(), and errors are cached."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field, error):
        # Also for the errors a service adds once the form is valid (apply_errors).
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):
            self._mark_invalid()

    def _mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
                    widget.attrs["aria-invalid"] = "true"


class SignUpForm(StyledFormMixin, forms.Form):
    """Create an account while accepting an invitation; the e-mail is fixed."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except ValidationError as exc:
                self.add_error("password1", exc)
        if User.objects.filter(email__iexact=self.email).exists():
            raise ValidationError(
                _("An account with this e-mail address exists already: sign in instead.")
            )
        return cleaned


class FirmForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Firm
        fields = ["name", "country", "currency", "language"]


class FirmSettingsForm(FirmForm):
    class Meta(FirmForm.Meta):
        fields = [*FirmForm.Meta.fields, "billing_assigned_only", "two_step_required_from"]
        widgets = {
            "two_step_required_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }


class InviteForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.STANDARD, Role.STANDARD.label), (Role.ADMIN, Role.ADMIN.label)],
    )


class RoleForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.STANDARD, Role.STANDARD.label), (Role.ADMIN, Role.ADMIN.label)],
    )


class MemberChoiceForm(StyledFormMixin, forms.Form):
    """Pick another active member of the firm (hand-over targets)."""

    member = forms.ModelChoiceField(label=_("Team member"), queryset=Membership.objects.none())

    def __init__(self, *args, firm: Firm, exclude: list[int], label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Membership.objects.filter(firm=firm, is_active=True)
            .exclude(pk__in=exclude)
            .select_related("user")
        )
        self.fields["member"].label_from_instance = lambda m: f"{m.user} ({m.user.email})"
        if label:
            self.fields["member"].label = label


class BillingProfileForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = [
            "contact_name",
            "contact_email",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "payment_method",
        ]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(9998, 12, 31)


class ActivityFilterForm(StyledFormMixin, forms.Form):
    """GET filters of the activity page: one person, a date range."""

    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Membership.objects.none(), required=False
    )
    # Bounded so the time-zone arithmetic of the selector cannot overflow.
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        validators=[MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        validators=[MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)],
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].empty_label = _("Everyone")
        self.fields["person"].label_from_instance = lambda m: str(m.user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict:
        """Selector arguments from the valid filters; invalid ones are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        person = data.get("person")
        return {
            "actor_id": person.user_id if person else None,
            "start": data.get("start"),
            "end": data.get("end"),
        }
