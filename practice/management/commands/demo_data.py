from django.core.management.base import BaseCommand
from django.db import transaction

from practice.models import Firm, Membership, Role, User
from practice.services import billing_profile_update, firm_create
from practice.tenancy import firm_scope
from subscriptions.demo import pending_names

DEMO_PASSWORD = "demo-pass-2026"

PORTAL_EMAIL = "julie.bernard@demo.ledgerly.test"
PORTAL_NAME = "Julie Bernard"

FIRMS = [
    {"name": "Cabinet Dupont & Associés", "country": "FR", "currency": "EUR", "language": "fr"},
    {"name": "Maple Ledger CPA", "country": "CA", "currency": "CAD", "language": "en"},
]

# (e-mail, full name, language, {firm index: role})
PEOPLE = [
    ("claire.dupont@demo.ledgerly.test", "Claire Dupont", "fr", {0: Role.PRIMARY_ADMIN}),
    ("marc.lefevre@demo.ledgerly.test", "Marc Lefèvre", "fr", {0: Role.ADMIN}),
    ("sophie.martin@demo.ledgerly.test", "Sophie Martin", "fr", {0: Role.STANDARD, 1: Role.ADMIN}),
    ("olivia.chen@demo.ledgerly.test", "Olivia Chen", "en", {1: Role.PRIMARY_ADMIN}),
    ("liam.tremblay@demo.ledgerly.test", "Liam Tremblay", "en", {1: Role.STANDARD}),
]


class Command(BaseCommand):
    help = "Load the demo firms, team and clients (safe to run again), then print the sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    @transaction.atomic
    def handle(self, *args, **options):
        users = {}
        for email, name, language, _roles in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, full_name=name, language=language
                )
            users[email] = user

        firms = []
        portal_company = None
        for index, spec in enumerate(FIRMS):
            firm = Firm.objects.filter(name=spec["name"]).first()
            if firm is None:
                primary = next(
                    users[e]
                    for e, _n, _l, roles in PEOPLE
                    if roles.get(index) == Role.PRIMARY_ADMIN
                )
                firm = firm_create(by=primary, **spec)
            firms.append(firm)
            with firm_scope(firm):
                for email, _name, _lang, roles in PEOPLE:
                    role = roles.get(index)
                    if role and role != Role.PRIMARY_ADMIN:
                        Membership.objects.get_or_create(
                            firm=firm, user=users[email], defaults={"role": role}
                        )
                primary_membership = Membership.objects.get(firm=firm, role=Role.PRIMARY_ADMIN)
                billing_profile_update(
                    firm=firm,
                    by=primary_membership,
                    contact_name=primary_membership.user.full_name,
                    contact_email=primary_membership.user.email,
                    address_line1="12 rue de la Paix" if index == 0 else "400 Rue Sainte-Catherine",
                    postal_code="75002" if index == 0 else "H3B 1A1",
                    city="Paris" if index == 0 else "Montréal",
                    country=spec["country"],
                    # The second firm has not given its payment method yet: its wholesale
                    # enrolments stay pending (R16), so the pending state can be seen.
                    payment_method="SEPA RUM-2026-0042" if index == 0 else "",
                )
                self.load_app_data(firm, primary_membership)
                if index == 0:
                    portal_company = self.load_portal_user(firm)

        if not options["quiet"]:
            self.stdout.write("")
            self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
            for email, name, _lang, roles in PEOPLE:
                where = ", ".join(f"{firms[i].name}: {Role(r).label}" for i, r in roles.items())
                self.stdout.write(f"  {email:<36} {name:<15} {where}")
            if portal_company:
                self.stdout.write(
                    f"  {PORTAL_EMAIL:<36} {PORTAL_NAME:<15} client portal of {portal_company}"
                )
            for firm in firms:
                with firm_scope(firm):
                    for name in pending_names(firm=firm):
                        self.stdout.write(
                            f"  Pending wholesale enrolment (billing profile incomplete): "
                            f"{name} at {firm.name}"
                        )
            self.stdout.write("")

    def load_portal_user(self, firm):
        """A client company's primary admin who signs in to the client portal."""
        from clients.companies.services import company_for_client
        from clients.models import Client, CompanyMember, CompanyRole

        client = Client.objects.filter(firm=firm).order_by("pk").first()
        if client is None:
            return None
        company = company_for_client(client=client)
        user = User.objects.filter(email=PORTAL_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                email=PORTAL_EMAIL, password=DEMO_PASSWORD, full_name=PORTAL_NAME, language="fr"
            )
        CompanyMember.objects.get_or_create(
            company=company,
            email=PORTAL_EMAIL,
            defaults={"user": user, "full_name": PORTAL_NAME, "role": CompanyRole.PRIMARY_ADMIN},
        )
        Client.objects.filter(firm=firm, pk=client.pk).update(firm_is_primary_admin=False)
        return company.name

    def load_app_data(self, firm, primary_membership):
        """Each app adds its demo rows here (clients, subscriptions...)."""
        from django.apps import apps

        for config in apps.get_app_configs():
            loader = getattr(config, "load_demo_data", None)
            if loader:
                loader(firm=firm, by=primary_membership)
