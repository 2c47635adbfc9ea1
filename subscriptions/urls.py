from django.urls import path

from subscriptions import views
from subscriptions.clientapps import views as app_views

urlpatterns = [
    path("compare/", views.compare, name="compare"),
    path("clients/<id:client_id>/usage/", views.usage, name="usage"),
    path("clients/<id:client_id>/subscribe/", views.subscribe, name="subscribe"),
    path("clients/<id:client_id>/cost/", views.cost, name="cost"),
    path("<id:subscription_id>/upgrade/", views.upgrade, name="upgrade"),
    path("<id:subscription_id>/downgrade/", views.downgrade, name="downgrade"),
    path(
        "<id:subscription_id>/remove-from-wholesale/",
        views.remove_wholesale,
        name="remove_wholesale",
    ),
    path("<id:subscription_id>/add-on/", views.addon_add, name="addon_add"),
    path("<id:subscription_id>/cancel/", views.cancel, name="cancel"),
    path("apps/", app_views.apps, name="apps"),
    path("apps/get/", app_views.app_get, name="app_get"),
    path("apps/time-pro-account/", app_views.time_pro_account, name="time_pro_account"),
    path("apps/setups/<id:setup_id>/", app_views.app_setup, name="app_setup"),
    path("apps/setups/<id:setup_id>/import/", app_views.app_setup_import, name="app_setup_import"),
]
