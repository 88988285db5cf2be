from django.urls import path

from .views import company, customer

app_name = "agreements"

MY_AGREEMENTS = "my-account/3rd-party-agreements/"

AGREEMENTS = "my-account/customer-agreements/"

urlpatterns = [
    # AGR-2, AGR-3, AGR-7, AGR-13..AGR-15, AGR-17: the 3rd party's (and REP's) side.
    path(AGREEMENTS, company.agreement_list, name="company_list"),
    path(f"{AGREEMENTS}export/", company.agreement_export, name="company_export"),
    path(f"{AGREEMENTS}new/", company.agreement_create_choose, name="company_create_choose"),
    path(f"{AGREEMENTS}new/<slug:kind_slug>/", company.agreement_create, name="company_create"),
    path(
        f"{AGREEMENTS}new/<slug:kind_slug>/contact/",
        company.agreement_create_contact,
        name="company_create_contact",
    ),
    path(
        f"{AGREEMENTS}new/<slug:kind_slug>/done/",
        company.agreement_create_done,
        name="company_create_done",
    ),
    path(
        f"{AGREEMENTS}<str:agreement_number>/",
        company.agreement_detail,
        name="company_detail",
    ),
    path(
        f"{AGREEMENTS}<str:agreement_number>/resend/",
        company.agreement_resend,
        name="company_resend",
    ),
    path(
        f"{AGREEMENTS}<str:agreement_number>/terminate/",
        company.agreement_terminate,
        name="company_terminate",
    ),
    path(
        f"{AGREEMENTS}<str:agreement_number>/extension/",
        company.agreement_extension,
        name="company_extension",
    ),
    # AGR-14, USG-12: Customer Meters (3rd Party), under My Account and under Usage.
    path("my-account/customer-meters-3rd-party/", company.customer_meters, name="company_meters"),
    path("usage/customer-meters-3rd-party/", company.customer_meters, name="company_meters_usage"),
    # AGR-8..AGR-12, SEC-2: the emailed Accept / Reject link, without signing in.
    path("agreements/answer/<str:token>/", customer.answer, name="answer"),
    path("agreements/answered/", customer.answered, name="answered"),
    # AGR-14..AGR-16, AGR-18: the customer's side, My Account / 3rd Party Agreements.
    path(MY_AGREEMENTS, customer.my_agreement_list, name="my_agreement_list"),
    path(
        f"{MY_AGREEMENTS}<str:agreement_number>/",
        customer.my_agreement_detail,
        name="my_agreement_detail",
    ),
    path(
        f"{MY_AGREEMENTS}<str:agreement_number>/answer/",
        customer.my_agreement_answer,
        name="my_agreement_answer",
    ),
    path(
        f"{MY_AGREEMENTS}<str:agreement_number>/terminate/",
        customer.my_agreement_terminate,
        name="my_agreement_terminate",
    ),
]
