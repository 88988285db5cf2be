from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("register/<slug:kind>/", views.register_customer, name="register_customer"),
    path("my-account/meters/", views.my_meters, name="my_meters"),
    path("my-account/meters/<int:pk>/remove/", views.my_meter_remove, name="my_meter_remove"),
]
