from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path

from api import token_views
from clients import access_views
from clients.companies import link_views
from practice import activity_views, views
from practice.accounts import views as account_views
from subscriptions.clientapps.invitation_views import time_invitation_accept

firm_patterns = [
    path("", views.firm_home, name="firm_home"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path(
        "team/invitations/<id:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "team/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/<id:membership_id>/role/", views.member_role, name="member_role"),
    path("team/<id:membership_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("team/<id:membership_id>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("team/<id:membership_id>/access/", access_views.member_access, name="member_access"),
    path("team/<id:membership_id>/clients/", access_views.member_clients, name="member_clients"),
    path(
        "team/<id:membership_id>/clients/add/",
        access_views.member_clients_add,
        name="member_clients_add",
    ),
    path(
        "team/<id:membership_id>/clients/<id:client_id>/remove/",
        access_views.member_clients_remove,
        name="member_clients_remove",
    ),
    path("team/primary-admin/", views.primary_admin_transfer, name="primary_admin_transfer"),
    path("activity/", activity_views.activity, name="activity"),
    path("activity/export.csv", activity_views.activity_export, name="activity_export"),
    path("settings/", views.firm_settings, name="firm_settings"),
    path("settings/billing/", views.billing_profile, name="billing_profile"),
    path("settings/webhooks/", include(("webhooks.urls", "webhooks"))),
    path("settings/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/all/", token_views.api_tokens_firm, name="api_tokens_firm"),
    path(
        "settings/api-tokens/<id:token_id>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("clients/", include(("clients.urls", "clients"))),
    path("subscriptions/", include(("subscriptions.urls", "subscriptions"))),
    path("billing/", include(("billing.urls", "billing"))),
    path("imports/", include(("imports.urls", "imports"))),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Accounts are django-allauth's; the old names and addresses still lead there.
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path(
        "accounts/password-reset/",
        account_views.moved("account_reset_password"),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        account_views.moved("account_reset_password_done"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.moved("account_reset_password"),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        account_views.moved("account_login"),
        name="password_reset_complete",
    ),
    path("accounts/email/", account_views.moved("account_security"), name="account_email_moved"),
    path("accounts/security/", account_views.security, name="account_security"),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/", include("allauth.account.urls")),
    path("firms/", views.firm_picker, name="firm_picker"),
    path("firms/new/", views.firm_create, name="firm_create"),
    path("language/", views.set_language, name="set_language"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "apps/time/invitations/<str:token>/",
        time_invitation_accept,
        name="time_invitation_accept",
    ),
    path("f/<slug:firm_slug>/", include(firm_patterns)),
    path("portal/join/<str:token>/", link_views.portal_join, name="portal_join"),
    path("portal/<id:company_pk>/", include(("clients.companies.urls", "portal"))),
    path("connect/<str:token>/", link_views.accountant_invitation, name="accountant_invitation"),
    path("api/v1/", include(("api.urls", "api"))),
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]
