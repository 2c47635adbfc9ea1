from django.urls import path

from clients import access_views, leaver_views, profile_views, team_views, views

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_add, name="add"),
    path("export/", views.client_export, name="export"),
    path("bulk/", views.client_bulk, name="bulk"),
    path("columns/", views.client_columns, name="columns"),
    path("team/<id:membership_id>/report/", leaver_views.member_report, name="member_report"),
    path(
        "team/<id:membership_id>/report.csv",
        leaver_views.member_report_csv,
        name="member_report_csv",
    ),
    path("<id:client_id>/", views.client_detail, name="detail"),
    path("<id:client_id>/row/", profile_views.client_row, name="row"),
    path("<id:client_id>/edit/", profile_views.client_edit, name="edit"),
    path("<id:client_id>/tax/", profile_views.client_tax, name="tax"),
    path("<id:client_id>/status/", profile_views.client_status, name="status"),
    path("<id:client_id>/delete/", profile_views.client_delete, name="delete"),
    path("<id:client_id>/team/add/", team_views.client_team_add, name="team_add"),
    path("<id:client_id>/team/<id:member_id>/", team_views.client_team_edit, name="team_edit"),
    path("<id:client_id>/team/<id:member_id>/role/", team_views.client_team_role, name="team_role"),
    path(
        "<id:client_id>/team/<id:member_id>/active/",
        team_views.client_team_active,
        name="team_active",
    ),
    path(
        "<id:client_id>/team/<id:member_id>/invite/",
        team_views.client_team_invite,
        name="team_invite",
    ),
    path(
        "<id:client_id>/firm-team/add/",
        access_views.client_firm_team_add,
        name="firm_team_add",
    ),
    path(
        "<id:client_id>/firm-team/<id:membership_id>/until/",
        access_views.client_firm_team_end,
        name="firm_team_end",
    ),
    path(
        "<id:client_id>/firm-team/<id:membership_id>/remove/",
        access_views.client_firm_team_remove,
        name="firm_team_remove",
    ),
    path(
        "<id:client_id>/wholesale-after-transfer/",
        views.client_wholesale_after_transfer,
        name="wholesale_after_transfer",
    ),
]
