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

        from practice.activity import register_verbs

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
            }
        )
