from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from practice.activity import register_verbs

        register_verbs({"statement.issued": _("Issued the wholesale statement for %(target)s")})
