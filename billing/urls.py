from django.urls import path

from billing import views

urlpatterns = [
    path("", views.index, name="index"),
    path(
        "clients/<id:client_id>/subscriptions/",
        views.client_subscriptions,
        name="client_subscriptions",
    ),
    path("statements/", views.statements, name="statements"),
    path("statements/issue/", views.statement_issue, name="statement_issue"),
    path("statements/<id:statement_id>/", views.statement, name="statement"),
    path("statements/<id:statement_id>/csv/", views.statement_csv, name="statement_csv"),
    path("statements/<id:statement_id>/pdf/", views.statement_pdf, name="statement_pdf"),
]
