"""`make run` loads the demo data: two firms, every role, one person in both firms,
a few hundred clients with subscriptions, and a client-portal sign-in."""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from clients.models import Client, CompanyMember
from practice.models import Firm, Membership, Role, User
from subscriptions.models import Subscription


@pytest.mark.django_db
def test_demo_data_loads_every_role_and_is_safe_to_run_again(capsys):
    call_command("demo_data")
    printed = capsys.readouterr().out
    with scopes_disabled():
        counts = (
            Firm.objects.count(),
            Client.objects.count(),
            Subscription.objects.count(),
            Membership.objects.count(),
        )
        call_command("demo_data", "--quiet")
        assert counts == (
            Firm.objects.count(),
            Client.objects.count(),
            Subscription.objects.count(),
            Membership.objects.count(),
        )
        assert counts[0] == 2
        for firm in Firm.objects.all():
            roles = set(Membership.objects.filter(firm=firm).values_list("role", flat=True))
            assert roles == {Role.PRIMARY_ADMIN, Role.ADMIN, Role.STANDARD}
            assert Client.objects.filter(firm=firm).count() >= 200
            assert Subscription.objects.filter(firm=firm).count() >= 100
        in_both = [u for u in User.objects.all() if u.memberships.count() == 2]
        assert len(in_both) == 1
        assert CompanyMember.objects.filter(user__isnull=False, role="primary_admin").exists()
    assert "demo-pass-2026" in printed
    for user in User.objects.all():
        assert user.email in printed
