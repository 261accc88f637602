"""The demo accounts share one published password: a real site warns about them and refuses
to start with them (moved here from core's deploy-check tests with the demo data)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from openhall import factories
from openhall.site import checks
from openhall.site.demo import ACCOUNTS
from openhall.site.management.commands.serve import refuse_demo_accounts


def ids(found) -> set[str]:
    return {message.id for message in found}


def test_demo_accounts_in_the_database_are_named(db):
    assert ids(checks.demo_accounts(None, databases=["default"])) == set()
    factories.UserFactory(mobile=ACCOUNTS[0].mobile)
    assert ids(checks.demo_accounts(None, databases=["default"])) == {"openhall.W005"}


def test_serve_refuses_a_production_database_with_the_demo_accounts(db, settings):
    settings.DEBUG = False
    settings.OPENHALL_DEMO_SITE = False
    refuse_demo_accounts()  # none yet: fine
    factories.UserFactory(mobile=ACCOUNTS[0].mobile)
    with pytest.raises(ImproperlyConfigured):
        refuse_demo_accounts()
    settings.OPENHALL_DEMO_SITE = True  # a demo or training site says so
    refuse_demo_accounts()
