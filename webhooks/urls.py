from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.endpoints, name="list"),
    path("add/", views.endpoint_add, name="add"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("<int:endpoint_id>/status/", views.endpoint_status, name="status"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("<int:endpoint_id>/secret/", views.endpoint_secret, name="secret"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
]
