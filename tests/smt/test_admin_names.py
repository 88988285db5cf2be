"""The Django admin names every model and column properly: acronyms in capitals, never a
lower-cased class name such as "Tdsp messages" (UX-3 words)."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse

from tests.factories import UserFactory

UGLY = re.compile(r"\b(Tdsp|tdsp|Han|han|Odr|odr|Esiid|esiid|Duns|duns|Api|api|Mac)\b")


def test_model_names_spell_acronyms():
    for model in admin.site._registry:
        for name in (model._meta.verbose_name, model._meta.verbose_name_plural):
            assert not UGLY.search(str(name)), f"{model.__name__}: {name}"


def test_list_columns_spell_acronyms():
    for model, model_admin in admin.site._registry.items():
        for field in model_admin.list_display:
            label = str(label_for_field(field, model, model_admin))
            assert not UGLY.search(label), f"{model.__name__}.{field}: {label}"


@pytest.mark.django_db
def test_the_admin_index_says_tdsp_messages(client):
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "TDSP messages" in html
    assert "Tdsp messages" not in html
    assert "HAN provision requests" in html
