from django.apps import AppConfig


class HanConfig(AppConfig):
    name = "han"
    verbose_name = "HAN devices"
