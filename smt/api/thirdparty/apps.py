from django.apps import AppConfig


class ThirdPartyApiConfig(AppConfig):
    """The 3rd-party API (API-2) is also an app: it owns the webhook endpoints and their
    deliveries (BEY-2)."""

    name = "smt.api.thirdparty"
    label = "thirdparty_api"
    verbose_name = "3rd-party API"
