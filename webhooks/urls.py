from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.endpoints, name="list"),
    path("add/", views.endpoint_add, name="add"),
    path("<id:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("<id:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("<id:endpoint_id>/status/", views.endpoint_status, name="status"),
    path("<id:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("<id:endpoint_id>/secret/", views.endpoint_secret, name="secret"),
    path("<id:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
]
