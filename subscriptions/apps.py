from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"

    def load_demo_data(self, *, firm, by):
        """Give some of the firm's clients subscriptions (safe to run again).
        Called by practice's demo_data after the clients app has loaded its clients."""
        from subscriptions.demo import load

        load(firm=firm, by=by)

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from clients import signals
        from subscriptions import receivers

        # Celery discovers `subscriptions.tasks` only: register the apps' tasks too.
        from subscriptions.clientapps import tasks  # noqa: F401

        signals.client_created.connect(receivers.client_created, dispatch_uid="subscriptions")
        signals.client_transferred.connect(
            receivers.client_transferred, dispatch_uid="subscriptions"
        )
        signals.client_delete_blockers.connect(
            receivers.client_delete_blockers, dispatch_uid="subscriptions"
        )

        from practice.activity import register_change_labels, register_verbs
        from subscriptions.models import Billing, TimeAccountOrigin

        register_verbs(
            {
                "app.installed": _("Installed the app %(target)s"),
                "app.pro_account_connected": _("Connected the firm's Time pro account %(target)s"),
                "app.account_connected": _("Connected the Time account of %(target)s"),
                "app.payroll_saved": _("Saved the payroll settings of %(target)s"),
                "app.tracking_saved": _("Chose what %(target)s imports and tracks"),
                "app.employees_imported": _("Imported team members into %(target)s"),
                "app.accountants_connected": _("Changed the accountants connected to %(target)s"),
                "app.invitation_sent": _("Invited the account admin of %(target)s"),
                "app.invitation_resent": _("Invited the account admin of %(target)s again"),
                "app.invitation_accepted": _("The client accepted the invitation to %(target)s"),
                "subscription.enrolment_requested": _(
                    "Enrolled %(target)s in wholesale billing (pending)"
                ),
                "subscription.enrolled": _("The wholesale enrolment of %(target)s completed"),
                "subscription.started": _("Started the subscription %(target)s"),
                "subscription.upgraded": _("Upgraded the subscription %(target)s"),
                "subscription.downgraded": _("Downgraded the subscription %(target)s"),
                "subscription.removed_from_wholesale": _(
                    "Removed the subscription %(target)s from wholesale billing"
                ),
                "subscription.addon_added": _("Added the add-on %(target)s"),
                "subscription.cancelled": _("Cancelled the subscription %(target)s"),
                "client.usage_updated": _("Changed the usage of %(target)s"),
            }
        )
        register_change_labels(
            labels={"account_id": _("Time account ID"), "origin": _("origin")},
            choices={"payer": Billing, "origin": TimeAccountOrigin},
        )
