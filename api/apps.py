from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self):
        from practice.activity import register_change_labels, register_verbs

        register_verbs(
            {
                "api_token.created": _("Created the API token %(target)s"),
                "api_token.revoked": _("Revoked the API token %(target)s"),
            }
        )
        register_change_labels(labels={"scope": _("access"), "expires_at": _("expires")})
