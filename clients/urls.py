from django.urls import path

from clients import views

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_add, name="add"),
    path("export/", views.client_export, name="export"),
    path("bulk/", views.client_bulk, name="bulk"),
    path("columns/", views.client_columns, name="columns"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/row/", views.client_row, name="row"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/tax/", views.client_tax, name="tax"),
    path("<int:client_id>/status/", views.client_status, name="status"),
    path("<int:client_id>/delete/", views.client_delete, name="delete"),
]
