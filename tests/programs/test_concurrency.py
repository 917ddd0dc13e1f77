"""Two officers approving the same application at once: the row lock lets one win, the other is
refused, one support is created. The race needs a database with row locks (PostgreSQL); SQLite
serialises writers itself, so there the two approvals run one after the other and the state check
alone must refuse the second."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from htxconnect.programs import services
from htxconnect.programs.models import Application, Support

from .conftest import pdf


@pytest.fixture
def reference_sectors(transactional_db):
    """A transactional test that ran before this one flushed the tables, data-migration rows with them:
    the sectors the world's cooperatives name are put back (the migration's own loader)."""
    import importlib

    from django.apps import apps

    importlib.import_module("htxconnect.registry.migrations.0002_sectors_and_trigram").add_sectors(apps, None)


@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once(reference_sectors, world, users):
    application = services.create_application(
        actor=users["coop_manager"], organization=world["coop"], item=world["item"], title="Đua",
        amount_requested=1_000_000, documents={"Đơn đề nghị hỗ trợ": pdf()})
    services.transition_application(actor=users["coop_manager"], application_id=application.pk, action="submit")
    services.transition_application(actor=users["officer"], application_id=application.pk, action="start_review")
    racing = connection.vendor == "postgresql"
    barrier, outcomes = threading.Barrier(2 if racing else 1), []

    def approve(user):
        try:
            barrier.wait()
            services.transition_application(actor=user, application_id=application.pk, action="approve",
                                            comment="Đồng ý.")
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    if racing:
        threads = [threading.Thread(target=approve, args=(users[who],)) for who in ("officer", "leader")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for who in ("officer", "leader"):
            approve(users[who])
    assert sorted(outcomes) == ["approved", "refused"]
    assert Application.objects.get().state == "approved" and Support.objects.count() == 1
