from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Practice")

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.urls import register_converter

        from practice.keys import IdConverter

        # Before any URLconf is read (they load on the first request or reverse).
        register_converter(IdConverter, "id")

        from practice import logs

        request_started.connect(logs.request_context_clear, dispatch_uid="practice-logs")
        request_finished.connect(logs.request_context_clear, dispatch_uid="practice-logs")
        from practice.accounts import history

        history.connect()
