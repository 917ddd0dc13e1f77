"""The scan table partitioned by month of scanned_at on PostgreSQL (issue 14; decision 0022).

Scans recorded through the real redirect in three months are counted together and flagged
across partitions; on SQLite the same test runs on the plain table."""

import datetime

import pytest
from django.db import connection
from django.test import Client

from htxconnect.core import partitions
from htxconnect.resolver import queries, scans
from htxconnect.resolver.models import ScanEvent

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
MONTHS = [datetime.datetime(2026, 8, 31, 16, 59, tzinfo=UTC), datetime.datetime(2026, 9, 15, 4, 0, tzinfo=UTC),
          datetime.datetime(2026, 10, 1, 0, 0, tzinfo=UTC)]


def test_scans_of_three_months_are_counted_together(lot, users, time_machine):
    if connection.vendor == "postgresql":
        partitions.ensure_partitions(months_back=0, months_ahead=2, now=MONTHS[0])
    for k, moment in enumerate(MONTHS):
        time_machine.move_to(moment, tick=False)
        for _ in range(k + 1):  # 1, 2 and 3 scans
            assert Client().get(f"/01/{lot.product.gtin}/10/{lot.code}").status_code in (301, 302, 307, 308)
    time_machine.move_to(MONTHS[-1] + datetime.timedelta(hours=1), tick=False)

    assert ScanEvent.objects.filter(product=lot.product).count() == 6
    summary = queries.scan_summary(users["coop_manager"], days=60)
    assert [(row["lot__code"], row["n"]) for row in summary] == [(lot.code, 6)]
    assert scans.check_new_scans() == 6  # flags written back by id, across partitions
    assert ScanEvent.objects.filter(flags_checked=True).count() == 6
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            assert partitions.is_partitioned(cursor, "resolver_scanevent")
            cursor.execute("SELECT tableoid::regclass::text, count(*) FROM resolver_scanevent GROUP BY 1")
            assert dict(cursor.fetchall()) == {"resolver_scanevent_p202608": 1, "resolver_scanevent_p202609": 2,
                                               "resolver_scanevent_p202610": 3}
