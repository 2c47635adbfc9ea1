from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"

    def ready(self):
        from celery.signals import worker_ready
        from django.utils.translation import gettext_lazy as _

        from clients import signals
        from imports import receivers

        signals.client_history.connect(receivers.client_history, dispatch_uid="imports")
        worker_ready.connect(receivers.worker_ready_requeue, dispatch_uid="imports-requeue")

        from practice.activity import register_verbs

        register_verbs(
            {
                "import.completed": _("Imported client numbers from %(target)s"),
                "import.undone": _("Undid the import of %(target)s"),
                "client.number_changed": _("Changed the client number of %(target)s"),
            }
        )
