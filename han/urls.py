from django.urls import path

from .views import company, customer, link, messages

app_name = "han"

COMPANY_DEVICES = "my-account/customer-meters-3rd-party/han-devices/"
MY_DEVICES = "my-account/han-devices/"
MESSAGES = "my-account/han-device-messages/"

urlpatterns = [
    # HAN-1, HAN-2 (seed 001 P1.2–P1.4): the 3rd party's (and REP's) request and its success.
    path("my-account/provision-han-device/", company.provision, name="provision"),
    path("my-account/provision-han-device/done/", company.provision_done, name="provision_done"),
    # HAN-8: Customer Meters (3rd Party) / HAN Devices, by ESIID; a request's page; Remove.
    path(COMPANY_DEVICES, company.device_list, name="company_devices"),
    path(f"{COMPANY_DEVICES}<str:agreement_number>/", company.device_detail, name="company_device"),
    path(
        f"{COMPANY_DEVICES}<str:agreement_number>/remove/",
        company.device_remove,
        name="company_device_remove",
    ),
    # HAN-4, HAN-8: My Account / HAN Devices: the customer's devices and requests.
    path(MY_DEVICES, customer.device_list, name="customer_devices"),
    path(f"{MY_DEVICES}<str:agreement_number>/", customer.device_detail, name="customer_device"),
    path(
        f"{MY_DEVICES}<str:agreement_number>/answer/",
        customer.device_answer,
        name="customer_device_answer",
    ),
    path(
        f"{MY_DEVICES}<str:agreement_number>/remove/",
        customer.device_remove,
        name="customer_device_remove",
    ),
    # HAN-9: My Account / HAN Device Messages, for the 3rd party and for the customer.
    path(MESSAGES, messages.message_list, name="messages"),
    path(f"{MESSAGES}export/", messages.message_export, name="message_export"),
    path(f"{MESSAGES}send/", messages.message_compose, name="message_compose"),
    path(f"{MESSAGES}sent/<uuid:batch>/", messages.message_batch, name="message_batch"),
    path(f"{MESSAGES}<int:pk>/", messages.message_detail, name="message"),
    path(f"{MESSAGES}<int:pk>/cancel/", messages.message_cancel, name="message_cancel"),
    # HAN-4, SEC-2: the emailed Start the Pairing Process / Reject link, without signing in.
    path("han/pairing/<str:token>/", link.answer, name="answer"),
    path("han/pairing-answered/", link.answered, name="answered"),
]
