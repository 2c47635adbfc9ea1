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


@pytest.mark.django_db
def test_the_demo_shows_a_pending_wholesale_enrolment_that_cant_be_upgraded(capsys):
    """Issue 15.12: one demo firm's billing profile is incomplete, so a wholesale
    enrolment stays pending (R16) and the seed's rule can be seen: a pending
    subscription can't be upgraded yet."""
    from subscriptions import rules
    from subscriptions.enrolment import subscription_enrolment_complete
    from subscriptions.models import SubscriptionStatus
    from subscriptions.selectors import billing_profile_missing

    call_command("demo_data")
    printed = capsys.readouterr().out
    with scopes_disabled():
        (pending,) = Subscription.objects.filter(status=SubscriptionStatus.PENDING)
        assert billing_profile_missing(firm=pending.firm)
        # The sweep that completes enrolments leaves it pending while the profile is incomplete.
        assert not subscription_enrolment_complete(firm=pending.firm, subscription_id=pending.pk)
        assert rules.state_blockers(pending)  # the reason the upgrade is refused
    assert f"{pending.client.display_name} at {pending.firm.name}" in printed
