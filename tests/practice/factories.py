import factory
from django.utils.text import slugify

from practice.models import BillingProfile, Firm, Invitation, Membership, Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    language = "en"
    password = factory.django.Password(PASSWORD)


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Firm {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    country = "FR"
    currency = "EUR"
    language = "en"


class MembershipFactory(factory.django.DjangoModelFactory):
    """Use inside scopes_disabled() (the `unscoped` fixture)."""

    class Meta:
        model = Membership

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STANDARD


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    firm = factory.SubFactory(FirmFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.STANDARD
    invited_by = factory.SubFactory(UserFactory)


class BillingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingProfile

    firm = factory.SubFactory(FirmFactory)
    contact_name = "Anne Comptable"
    contact_email = "billing@example.test"
    address_line1 = "1 rue du Test"
    postal_code = "75001"
    city = "Paris"
    country = "FR"
    payment_method = "SEPA RUM-0001"
