from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from clients.models import (
    CLIENT_NUMBER_MAX_LENGTH,
    BillingChoice,
    Client,
    ClientStatus,
    ClientType,
)
from clients.selectors import SORT_KEYS, ClientFilters
from practice.forms import LATEST_DATE, DateInput, StyledFormMixin
from practice.keys import ModelMultipleChoiceField, is_key
from practice.models import Firm, Membership


class LeadAccountantField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj.user)


def _lead_queryset(firm: Firm):
    return (
        Membership.objects.filter(firm=firm, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class ClientForm(StyledFormMixin, forms.ModelForm):
    """Edit a client (R10). `version` is the one loaded, for conflict detection."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Kept in its own table (clients.models.numbering), so declared here.
    client_number = forms.CharField(
        label=_("Client number"),
        max_length=CLIENT_NUMBER_MAX_LENGTH,
        required=False,
        empty_value=None,
        help_text=_("Your own reference for the client: up to 100 characters."),
    )
    lead_accountant = LeadAccountantField(
        label=_("Lead accountant"), queryset=Membership.objects.none(), required=False
    )

    class Meta:
        model = Client
        fields = [
            "client_type",
            "display_name",
            "company_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "address",
            "notes",
            "client_number",
            "lead_accountant",
            "firm_is_primary_admin",
            "tax_preparation_status",
            "tax_return_status",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "display_name": _("How the client appears in your lists."),
        }

    def __init__(self, *args, firm: Firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.firm = firm
        if "lead_accountant" in self._meta.fields:
            self.fields["lead_accountant"].queryset = _lead_queryset(firm)
            self.fields["lead_accountant"].empty_label = _("No lead accountant")
        else:
            del self.fields["lead_accountant"]
        if "client_type" in self.fields:
            self.fields["client_type"].choices = ClientType.choices
        if self.instance.pk and "version" in self.fields:
            self.fields["version"].initial = self.instance.revision
        if "client_number" not in self._meta.fields:
            del self.fields["client_number"]
        elif self.instance.pk:
            self.initial.setdefault("client_number", self.instance.client_number)

    def validate_unique(self):
        # Per-firm uniqueness (R6) is checked by the service, which names the holder.
        return

    def service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data
        }


class ClientInlineForm(ClientForm):
    """The short edit form shown in a list row."""

    class Meta(ClientForm.Meta):
        fields = [
            "display_name",
            "client_number",
            "client_type",
            "lead_accountant",
            "email",
            "phone",
        ]


class ClientTaxForm(ClientForm):
    class Meta(ClientForm.Meta):
        fields = ["tax_preparation_status", "tax_return_status"]


class ClientCreateForm(ClientForm):
    """Add a client (R4): type, contact details, more details, subscription choice."""

    BASIC_FIELDS = ("display_name", "email", "phone")
    DETAIL_FIELDS = (
        "company_name",
        "first_name",
        "last_name",
        "address",
        "client_number",
        "lead_accountant",
        "notes",
    )

    billing = forms.ChoiceField(
        label=_("Subscription"),
        choices=BillingChoice.choices,
        initial=BillingChoice.NONE,
        widget=forms.RadioSelect,
    )
    plan_code = forms.ChoiceField(label=_("Plan"), required=False)

    class Meta(ClientForm.Meta):
        fields = [
            "client_type",
            "display_name",
            "email",
            "phone",
            "company_name",
            "first_name",
            "last_name",
            "address",
            "client_number",
            "lead_accountant",
            "notes",
            "firm_is_primary_admin",
        ]
        widgets = {**ClientForm.Meta.widgets, "client_type": forms.RadioSelect}
        labels = {
            "firm_is_primary_admin": _("Make my firm the primary admin of the client's company")
        }

    def __init__(self, *args, plans: list[tuple[str, str]], **kwargs):
        self.has_plans = bool(plans)
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["client_type"].initial = ClientType.BUSINESS
        self.fields["plan_code"].choices = [("", _("Choose a plan"))] + list(plans)

    def clean(self):
        cleaned = super().clean()
        billing = cleaned.get("billing")
        if (
            self.has_plans
            and billing in (BillingChoice.WHOLESALE, BillingChoice.DIRECT)
            and not cleaned.get("plan_code")
        ):
            self.add_error("plan_code", _("Choose the plan the client subscribes to."))
        if billing == BillingChoice.NONE:
            cleaned["plan_code"] = ""
        if cleaned.get("client_type") == ClientType.INDIVIDUAL:
            cleaned["company_name"] = ""
        return cleaned

    @property
    def details_have_errors(self) -> bool:
        return any(name in self.errors for name in self.DETAIL_FIELDS)

    @property
    def details_open(self) -> bool:
        """ "Add more info" stays open when it holds typed values or errors."""
        if not self.is_bound:
            return False
        typed = any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in self.DETAIL_FIELDS
            if name != "company_name" or self.chosen_type == ClientType.BUSINESS
        )
        return typed or self.details_have_errors

    @property
    def chosen_type(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("client_type")) or ""
        return self.fields["client_type"].initial


class ClientDeleteForm(StyledFormMixin, forms.Form):
    """Delete permanently (R12): the client's name, typed, confirms the intent."""

    confirm_name = forms.CharField(label=_("Type the client's name to confirm"), max_length=300)

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["confirm_name"].error_messages["required"] = _(
            "Type the client's name to confirm the deletion."
        )
        self.fields["confirm_name"].widget.attrs["autocomplete"] = "off"

    def clean_confirm_name(self):
        typed = " ".join(self.cleaned_data["confirm_name"].split())
        expected = " ".join(self.client.display_name.split())
        if typed.casefold() != expected.casefold():
            raise forms.ValidationError(
                _("The name doesn't match: type %(name)s exactly to delete the client."),
                params={"name": expected},
            )
        return typed


class ClientListForm(forms.Form):
    """The list's filters, sort and page, all from the URL (R8). Invalid values
    are dropped rather than refused, so an old link still opens."""

    q = forms.CharField(required=False, max_length=200)
    type = forms.ChoiceField(required=False, choices=[("", "")] + ClientType.choices)
    lead = forms.CharField(required=False, max_length=20)
    inactive = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORT_KEYS] + [(f"-{k}", k) for k in SORT_KEYS]
    )
    after = forms.CharField(required=False, max_length=1200)
    before = forms.CharField(required=False, max_length=1200)
    last = forms.BooleanField(required=False)

    def __init__(self, data, *, leads: list[Membership]):
        super().__init__(data)
        self.lead_ids = {str(m.pk) for m in leads}
        self.is_valid()

    def value(self, name, default=""):
        return self.cleaned_data.get(name) or default

    def filters(self) -> ClientFilters:
        lead = self.value("lead")
        if lead != "none" and lead not in self.lead_ids:
            lead = ""
        return ClientFilters(
            q=self.value("q"),
            client_type=self.value("type"),
            lead=lead,
            include_inactive=bool(self.value("inactive", False)),
        )

    def state(self) -> dict:
        """The URL parameters that describe the list, without the page cursor."""
        f = self.filters()
        state = {"q": f.q, "type": f.client_type, "lead": f.lead, "sort": self.value("sort")}
        if f.include_inactive:
            state["inactive"] = "1"
        return {k: v for k, v in state.items() if v}


BULK_ACTIONS = [
    ("assign_lead", _("Assign a lead accountant")),
    ("make_inactive", _("Make inactive")),
    ("make_active", _("Make active")),
    ("export", _("Export the selection (CSV)")),
]
# Team access (R30): admins only.
ACCESS_ACTIONS = [
    ("assign_members", _("Assign team members")),
    ("unassign_members", _("Remove team members")),
]


def _until_field(label=None):
    return forms.DateField(
        label=label or _("Until (optional)"),
        required=False,
        widget=DateInput(),
        validators=[MaxValueValidator(LATEST_DATE)],
        help_text=_("Access ends by itself after this day."),
    )


def _show_active_only(field, members) -> None:
    """The select lists active members; the field still accepts any member of the
    firm so that a deactivated one gets the service's own message."""
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    choices = [] if multiple else [("", _("Choose a team member"))]
    field.widget.choices = choices + [(m.pk, str(m.user)) for m in members if m.is_active]


class MemberField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Choose a member of this firm's team.")}

    def label_from_instance(self, obj):
        return str(obj.user)


class MembersField(ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose a member of this firm's team."),
        "invalid_pk_value": _("Choose a member of this firm's team."),
    }

    def label_from_instance(self, obj):
        return str(obj.user)


class ClientAssignForm(StyledFormMixin, forms.Form):
    """Put a member on a client's firm team (the profile's Firm team tab)."""

    membership = MemberField(label=_("Team member"), queryset=Membership.objects.none())
    ends_on = _until_field()

    def __init__(self, *args, members, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = members
        _show_active_only(field, [m for m in members if m.pk not in exclude])


class AssignmentEndForm(StyledFormMixin, forms.Form):
    """Change (or clear) the end date of one assignment."""

    ends_on = _until_field(label=_("Until"))


def _accept_ids(form) -> None:
    """Posted client ids only need to be numbers here; the selector checks them."""
    raw = form.data.getlist("ids") if hasattr(form.data, "getlist") else []
    form.fields["ids"].choices = [(v, v) for v in raw if is_key(v)][:1000]
    form.fields["ids"].error_messages["required"] = _("Select at least one client.")


class MemberClientsAddForm(StyledFormMixin, forms.Form):
    """Add clients found by search to one member's list."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=True)
    ends_on = _until_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _accept_ids(self)


class BulkActionForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected clients"), choices=BULK_ACTIONS + ACCESS_ACTIONS
    )
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True)
    lead_accountant = LeadAccountantField(
        label=_("Lead accountant"), queryset=Membership.objects.none(), required=False
    )
    members = MembersField(
        label=_("Team members"), queryset=Membership.objects.none(), required=False
    )
    ends_on = _until_field()

    def __init__(self, *args, firm: Firm, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_accountant"].queryset = _lead_queryset(firm)
        if members is not None:
            self.fields["members"].queryset = members
        self.fields["lead_accountant"].empty_label = _("No lead accountant")
        _accept_ids(self)

    def clean(self):
        cleaned = super().clean()
        access = cleaned.get("action") in dict(ACCESS_ACTIONS)
        if access and not cleaned.get("members") and "members" not in self.errors:
            self.add_error("members", _("Choose at least one team member."))
        return cleaned

    STATUS_FOR_ACTION = {
        "make_inactive": ClientStatus.INACTIVE,
        "make_active": ClientStatus.ACTIVE,
    }
