from django.urls import path

from clients.companies import views as portal

urlpatterns = [
    path("", portal.overview, name="overview"),
    path("team/", portal.team, name="team"),
    path("team/add/", portal.member_add, name="member_add"),
    path("team/two-step/", portal.two_step_policy, name="two_step_policy"),
    path("team/primary-admin/", portal.primary_admin, name="primary_admin"),
    path("team/<id:member_id>/", portal.member_edit, name="member_edit"),
    path("team/<id:member_id>/role/", portal.member_role, name="member_role"),
    path("team/<id:member_id>/active/", portal.member_active, name="member_active"),
    path("team/<id:member_id>/invite/", portal.member_invite, name="member_invite"),
    path("accountants/", portal.accountants, name="accountants"),
    path("accountants/invite/", portal.accountant_invite, name="accountant_invite"),
    path(
        "accountants/invitations/<id:accountant_invitation_id>/resend/",
        portal.accountant_invitation_resend,
        name="accountant_invitation_resend",
    ),
    path(
        "accountants/invitations/<id:accountant_invitation_id>/revoke/",
        portal.accountant_invitation_revoke,
        name="accountant_invitation_revoke",
    ),
    path("billing/", portal.billing, name="billing"),
]
