from django import forms
from django.utils.translation import gettext_lazy as _

from practice.forms import StyledFormMixin
from practice.keys import ModelMultipleChoiceField
from subscriptions.models import Billing, Feature, Product, ProductKind


class FeatureChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class UsageForm(StyledFormMixin, forms.Form):
    users = forms.IntegerField(label=_("Billable users"), min_value=1, max_value=100000)
    features = FeatureChoiceField(
        label=_("Features in use"),
        queryset=Feature.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PlanChoiceForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Product.objects.filter(kind=ProductKind.PLAN, is_active=True).order_by(
            "sort_order", "name"
        ),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, products=None, **kwargs):
        # Set before the mixin's __init__, which validates a bound form.
        self.allowed = None if products is None else {p.pk for p in products}
        super().__init__(*args, **kwargs)

    def clean_product(self):
        product = self.cleaned_data["product"]
        if self.allowed is not None and product.pk not in self.allowed:
            raise forms.ValidationError(_("This plan can't be chosen now."))
        return product


class AddonForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(
        label=_("Add-on"),
        queryset=Product.objects.filter(kind=ProductKind.ADDON, is_active=True).order_by(
            "sort_order"
        ),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    payer = forms.ChoiceField(
        label=_("Who pays the add-on?"),
        choices=[
            (Billing.WHOLESALE, _("The firm, on its wholesale statement")),
            (Billing.DIRECT, _("The client, on its own bill (split billing)")),
        ],
        widget=forms.RadioSelect,
        initial=Billing.DIRECT,
    )


class CostForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Product.objects.filter(kind=ProductKind.PLAN, is_active=True).order_by(
            "sort_order"
        ),
        to_field_name="code",
        required=False,
    )
    addons = ModelMultipleChoiceField(
        label=_("Add-ons"),
        queryset=Product.objects.filter(kind=ProductKind.ADDON, is_active=True).order_by(
            "sort_order"
        ),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].widget.attrs["class"] = "form-select form-select-sm"
