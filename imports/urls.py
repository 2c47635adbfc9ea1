from django.urls import path

from imports import views

urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("<id:job_id>/", views.job_detail, name="job"),
    path("<id:job_id>/errors.csv", views.job_errors, name="job_errors"),
    path("<id:job_id>/changes.csv", views.job_changes, name="job_changes"),
    path("<id:job_id>/import/", views.job_confirm, name="job_confirm"),
    path("<id:job_id>/undo/", views.job_undo, name="job_undo"),
]
