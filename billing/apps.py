from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def load_demo_data(self, *, firm, by):
        """Issue last month's statement (safe to run again). Called by practice's
        demo_data after the subscriptions app has loaded its subscriptions."""
        from billing.demo import load

        load(firm=firm, by=by)

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from practice.activity import register_verbs

        register_verbs({"statement.issued": _("Issued the wholesale statement for %(target)s")})
