"""The read-replica router (core.db_router) with two real database aliases.

The "replica" alias is a snapshot of the test database taken after the data was committed (on
SQLite a copy of the database file, on PostgreSQL a database created from it as a template),
and the primary is changed afterwards, so the two answer differently: a page shows the
replica's answer only if it read from the replica. Writes and the reads after them must be on
the primary.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from htxconnect.core.db_router import REPLICA, reading_from_replica, use_replica
from htxconnect.portal.models import Article


def publish(slug: str, title: str) -> Article:
    return Article.objects.create(title=title, slug=slug, summary="Tóm tắt", body="<p>Nội dung</p>",
                                  status=Article.Status.PUBLISHED, publish_at=timezone.now())


def _snapshot_sqlite(tmp_path):
    primary = connections["default"]
    primary.ensure_connection()
    path = tmp_path / "replica.sqlite3"
    target = sqlite3.connect(path)
    primary.connection.backup(target)
    target.close()
    return {**connections.settings["default"], "NAME": str(path)}, lambda: None


def _snapshot_postgres():
    import psycopg

    primary = connections.settings["default"]
    name = f"{primary['NAME']}_replica_{uuid.uuid4().hex[:6]}"
    connections.close_all()  # CREATE DATABASE … TEMPLATE needs the template to have no session

    def admin():
        return psycopg.connect(host=primary["HOST"] or None, port=primary["PORT"] or None, user=primary["USER"],
                               password=primary["PASSWORD"] or None, dbname="postgres", autocommit=True)

    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')

    def drop():
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {**primary, "NAME": name}, drop


@pytest.fixture
def replica(transactional_db, tmp_path):
    """Add a "replica" alias holding a snapshot of the committed data; returns the article."""
    article = publish("hoi-nghi-2026", "Tiêu đề trên bản sao")
    if connections["default"].vendor == "sqlite":
        config, drop = _snapshot_sqlite(tmp_path)
    else:
        config, drop = _snapshot_postgres()
    connections.settings[REPLICA] = config
    # Opened here, past the test case's guard (it only lets the aliases it knew at its start connect).
    connections[REPLICA].connect()
    # After the snapshot: the primary moves on, the replica has not caught up yet.
    Article.objects.filter(pk=article.pk).update(title="Tiêu đề mới trên máy chính")
    yield article
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    drop()


def test_without_a_replica_everything_reads_the_primary(db):
    assert REPLICA not in connections.settings
    with use_replica():
        assert not reading_from_replica()
        assert Article.objects.all().db == "default"


def test_marked_public_page_reads_the_replica_unmarked_code_the_primary(replica, client):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get(f"/portal/tin-tuc/{replica.slug}/")
    assert page.status_code == 200
    assert "Tiêu đề trên bản sao" in page.content.decode()
    assert any("portal_article" in q["sql"] for q in on_replica.captured_queries)
    assert not any("portal_article" in q["sql"] for q in on_primary.captured_queries)
    # Outside use_replica(): the primary's answer.
    assert Article.objects.get(pk=replica.pk).title == "Tiêu đề mới trên máy chính"
    assert client.get("/portal/tin-tuc/").content.decode().count("Tiêu đề trên bản sao") == 1


def test_writes_go_to_the_primary_and_later_reads_of_the_scope_follow_them(replica):
    with use_replica():
        assert Article.objects.get(pk=replica.pk).title == "Tiêu đề trên bản sao"
        publish("bai-moi", "Bài mới")  # a write: on the primary…
        assert not reading_from_replica()
        # …and the same scope now reads its own write (and everything else) on the primary.
        assert Article.objects.get(slug="bai-moi").title == "Bài mới"
        assert Article.objects.get(pk=replica.pk).title == "Tiêu đề mới trên máy chính"
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_article WHERE slug = %s", ["bai-moi"])
        assert cursor.fetchone()[0] == 0  # nothing was written to the replica
    with use_replica():  # a new scope (the next request) reads the replica again
        assert Article.objects.get(pk=replica.pk).title == "Tiêu đề trên bản sao"


def test_a_transaction_reads_the_primary(replica):
    with use_replica():
        with transaction.atomic():
            assert not reading_from_replica()
            assert Article.objects.get(pk=replica.pk).title == "Tiêu đề mới trên máy chính"
        assert reading_from_replica()  # only a read happened: the replica again after the block
        with transaction.atomic():  # select_for_update means a write is coming: primary from then on
            assert Article.objects.select_for_update().get(pk=replica.pk).title == "Tiêu đề mới trên máy chính"
        assert not reading_from_replica()


def test_a_signed_in_visitor_is_read_from_the_primary(replica, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user(username="doc_gia", password="Mat-khau-thu-nghiem-2026",
                                                 role="buyer", full_name="Người Đọc Thử")
    client = Client()
    client.force_login(user)  # the session exists on the primary only (the replica lags behind)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get("/portal/tin-tuc/")
    assert page.status_code == 200 and page.wsgi_request.user == user
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert 'FROM "django_session"' in primary_sql and 'FROM "accounts_user"' in primary_sql
    assert 'FROM "django_session"' not in replica_sql and 'FROM "accounts_user"' not in replica_sql
    assert "portal_article" in replica_sql and "portal_article" not in primary_sql
