from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from clients import receivers
        from practice import signals

        signals.member_workload.connect(receivers.member_workload, dispatch_uid="clients")
        signals.member_handover.connect(receivers.member_handover, dispatch_uid="clients")
        signals.activity_restriction.connect(receivers.activity_restriction, dispatch_uid="clients")

        from practice.activity import register_verbs

        register_verbs(
            {
                "client.member_added": _("Added a person to the team of %(target)s"),
                "client.member_changed": _("Changed a person in the team of %(target)s"),
                "client.member_deactivated": _("Deactivated a person in the team of %(target)s"),
                "client.member_reactivated": _("Reactivated a person in the team of %(target)s"),
                "client.member_portal_invited": _(
                    "Invited a person of %(target)s to the client portal"
                ),
                "client.member_joined_portal": _("A person of %(target)s joined the client portal"),
                "client.primary_admin_changed": _(
                    "%(target)s changed its primary admin: the firm no longer holds the role"
                ),
                "client.billing_details_updated": _("%(target)s updated its billing details"),
                "client.accountant_invited": _("%(target)s invited an accountant"),
                "client.accountant_invitation_resent": _(
                    "%(target)s sent its accountant invitation again"
                ),
                "client.accountant_invitation_revoked": _(
                    "%(target)s withdrew its accountant invitation"
                ),
                "client.connected": _(
                    "Accepted the invitation of %(target)s: the client was added"
                ),
                "client.transferred_in": _("%(target)s transferred in from another firm"),
                "client.transferred_out": _("%(target)s transferred to another firm"),
                "client.access_granted": _("Gave a team member access to %(target)s"),
                "client.access_removed": _("Removed a team member's access to %(target)s"),
                "client.access_expired": _("A team member's access to %(target)s ended"),
                "clients.exported": _("Exported clients"),
            }
        )
        from clients.services import ExportedList
        from practice.activity import register_change_labels

        register_change_labels(labels={"list": _("list")}, choices={"list": ExportedList})

    def load_demo_data(self, *, firm, by):
        """About 300 varied clients for the demo firm; skipped when it has clients."""
        from clients.demo import load_demo_data

        load_demo_data(firm=firm, by=by)
