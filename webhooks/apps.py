from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from billing.signals import statement_issued
        from clients import signals as client_signals
        from imports.signals import import_finished
        from practice.activity import register_change_labels, register_verbs
        from subscriptions.signals import subscription_changed
        from webhooks import receivers

        uid = "webhooks"
        client_signals.client_created.connect(receivers.client_created, dispatch_uid=uid)
        client_signals.clients_updated.connect(receivers.clients_updated, dispatch_uid=uid)
        client_signals.client_deleted.connect(receivers.client_deleted, dispatch_uid=uid)
        import_finished.connect(receivers.import_finished, dispatch_uid=uid)
        subscription_changed.connect(receivers.subscription_changed, dispatch_uid=uid)
        statement_issued.connect(receivers.statement_issued, dispatch_uid=uid)

        register_verbs(
            {
                "webhook.endpoint_added": _("Added the webhook endpoint %(target)s"),
                "webhook.endpoint_changed": _("Changed the webhook endpoint %(target)s"),
                "webhook.endpoint_enabled": _("Turned on the webhook endpoint %(target)s"),
                "webhook.endpoint_disabled": _("Turned off the webhook endpoint %(target)s"),
                "webhook.endpoint_auto_disabled": _(
                    "Turned off the webhook endpoint %(target)s after repeated failed deliveries"
                ),
                "webhook.endpoint_deleted": _("Deleted the webhook endpoint %(target)s"),
                "webhook.secret_revealed": _(
                    "Viewed the signing secret of the webhook endpoint %(target)s"
                ),
                "webhook.secret_rolled": _(
                    "Replaced the signing secret of the webhook endpoint %(target)s"
                ),
            }
        )
        register_change_labels(
            labels={
                "url": _("URL"),
                "events": _("events"),
                "description": _("description"),
                "failed_deliveries": _("failed deliveries in a row"),
            }
        )
