"""Fixtures: Oncor as a TDSP and its TDSP API key (API-3)."""

import pytest

from tests.factories import CompanyFactory, TdspFactory
from usage.tdsp.credentials import tdsp_credential_issue


@pytest.fixture
def oncor():
    return TdspFactory(company=CompanyFactory(kind="tdsp", name="Oncor"))


@pytest.fixture
def key(oncor):
    """Oncor's TDSP API key (API-3)."""
    return tdsp_credential_issue(tdsp=oncor)
