from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clients import access_views
from clients.companies import link_views
from practice import activity_views, views
from practice.forms import StyledPasswordResetForm, StyledSetPasswordForm
from subscriptions.clientapps.views import time_invitation_accept

firm_patterns = [
    path("", views.firm_home, name="firm_home"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path(
        "team/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("team/<int:membership_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("team/<int:membership_id>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("team/<int:membership_id>/access/", access_views.member_access, name="member_access"),
    path("team/<int:membership_id>/clients/", access_views.member_clients, name="member_clients"),
    path(
        "team/<int:membership_id>/clients/add/",
        access_views.member_clients_add,
        name="member_clients_add",
    ),
    path(
        "team/<int:membership_id>/clients/<int:client_id>/remove/",
        access_views.member_clients_remove,
        name="member_clients_remove",
    ),
    path("team/primary-admin/", views.primary_admin_transfer, name="primary_admin_transfer"),
    path("activity/", activity_views.activity, name="activity"),
    path("activity/export.csv", activity_views.activity_export, name="activity_export"),
    path("settings/", views.firm_settings, name="firm_settings"),
    path("settings/billing/", views.billing_profile, name="billing_profile"),
    path("clients/", include(("clients.urls", "clients"))),
    path("subscriptions/", include(("subscriptions.urls", "subscriptions"))),
    path("billing/", include(("billing.urls", "billing"))),
    path("imports/", include(("imports.urls", "imports"))),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            subject_template_name="registration/password_reset_subject.txt",
            form_class=StyledPasswordResetForm,
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=StyledSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
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
    path("portal/<int:company_pk>/", include(("clients.companies.urls", "portal"))),
    path("connect/<str:token>/", link_views.accountant_invitation, name="accountant_invitation"),
    path("admin/", admin.site.urls),
]
