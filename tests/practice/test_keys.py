"""Row ids from outside (practice.keys): what reads as a key a
table could hold, the `<id:...>` converter, and the multiple choice field that
refuses a key past its column before any query."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve, reverse

from practice.keys import LARGEST_KEY, IdConverter, ModelMultipleChoiceField, is_key
from practice.models import Membership

pytestmark = pytest.mark.django_db


def test_the_largest_key_is_the_bigint_maximum():
    assert LARGEST_KEY == 9_223_372_036_854_775_807


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", True),
        ("1", True),
        (" 42 ", True),
        (42, True),
        (str(LARGEST_KEY), True),
        (str(LARGEST_KEY + 1), False),
        ("1" * 30, False),
        ("9" * 5000, False),
        ("0" * 18 + "1", True),
        ("-1", False),
        ("1.5", False),
        ("1e3", False),
        ("", False),
        ("abc", False),
    ],
)
def test_is_key(value, expected):
    assert is_key(value) is expected


def test_the_converter_reads_ids_up_to_the_largest_key():
    converter = IdConverter()
    assert converter.to_python("0") == 0
    assert converter.to_python(str(LARGEST_KEY)) == LARGEST_KEY
    with pytest.raises(ValueError, match="^past any key$"):
        converter.to_python(str(LARGEST_KEY + 1))
    assert converter.to_url(7) == "7"
    assert converter.to_url("7") == "7"
    assert converter.to_url(LARGEST_KEY) == str(LARGEST_KEY)
    for wrong in (LARGEST_KEY + 1, -1, None, "seven"):
        with pytest.raises(ValueError):
            converter.to_url(wrong)


def test_reverse_refuses_an_id_no_address_could_hold(firm):
    from django.urls import NoReverseMatch

    for wrong in (LARGEST_KEY + 1, None):
        with pytest.raises(NoReverseMatch):
            reverse("clients:detail", kwargs={"firm_slug": firm.slug, "client_id": wrong})


def test_an_address_with_an_id_past_any_key_matches_no_page(firm):
    url = reverse("clients:detail", kwargs={"firm_slug": firm.slug, "client_id": LARGEST_KEY})
    assert resolve(url).kwargs["client_id"] == LARGEST_KEY
    for past in (LARGEST_KEY + 1, 10**19, 10**30):
        with pytest.raises(Resolver404):
            resolve(url.replace(str(LARGEST_KEY), str(past)))


def _field():
    return ModelMultipleChoiceField(queryset=Membership.unscoped.all(), required=False)


def test_the_field_refuses_a_key_past_its_column_with_the_invalid_value_message(primary_admin):
    for past in (str(LARGEST_KEY + 1), str(-LARGEST_KEY - 2), "1" * 30):
        with pytest.raises(ValidationError) as refused:
            _field().clean([str(primary_admin.pk), past])
        assert refused.value.code == "invalid_pk_value"
        assert refused.value.params == {"pk": past}
        assert refused.value.messages == [f"“{past}” is not a valid value."]


def test_the_field_names_the_first_key_past_the_column_after_malformed_ones():
    past = str(LARGEST_KEY + 1)
    with pytest.raises(ValidationError) as refused:
        _field().clean(["abc", past])
    assert refused.value.params == {"pk": past}


def test_a_field_keyed_by_a_positive_column_refuses_what_is_below_zero(unscoped):
    """The range is the key column's own: from 0 for a positive integer."""
    from clients.models import Client

    field = ModelMultipleChoiceField(queryset=Client.objects.all(), to_field_name="version")
    with pytest.raises(ValidationError) as refused:
        field.clean(["-1"])
    assert refused.value.code == "invalid_pk_value"
    with pytest.raises(ValidationError) as unknown:
        field.clean(["0"])
    assert unknown.value.code == "invalid_choice"


def test_the_field_still_takes_keys_in_range_and_leaves_the_rest_to_django(primary_admin):
    assert list(_field().clean([str(primary_admin.pk)])) == [primary_admin]
    with pytest.raises(ValidationError) as missing:
        _field().clean([str(LARGEST_KEY)])
    assert missing.value.code == "invalid_choice"
    with pytest.raises(ValidationError) as malformed:
        _field().clean(["1e309"])
    assert malformed.value.code == "invalid_pk_value"


def test_a_field_keyed_by_text_is_not_range_checked():
    """Keyed by a code (a text column), a long run of digits is just an unknown code."""
    from subscriptions.models import Product

    field = ModelMultipleChoiceField(queryset=Product.objects.all(), to_field_name="code")
    with pytest.raises(ValidationError) as unknown:
        field.clean(["1" * 30])
    assert unknown.value.code == "invalid_choice"


def test_a_negative_key_within_the_range_is_left_to_django(primary_admin):
    with pytest.raises(ValidationError) as unknown:
        _field().clean(["-5"])
    assert unknown.value.code == "invalid_choice"
    with pytest.raises(ValidationError) as not_a_list:
        _field().clean("5")
    assert not_a_list.value.code == "invalid_list"
