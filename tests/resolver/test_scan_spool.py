"""Scans counted through the durable spool (resolver.spool, decision 0022): one write() per scan,
stored in batches, exactly once, and nothing lost when the process that wrote them dies."""

import datetime
import fcntl
import hashlib
import json
import os
import signal
import threading

import pytest
from django.test import Client

from htxconnect.resolver import scans, spool
from htxconnect.resolver.models import ScanEvent, ScanSpoolFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def spooled(settings, tmp_path):
    settings.SCAN_SPOOL_DIR = str(tmp_path / "spool")
    settings.SCAN_SPOOL_FSYNC_SECONDS = 0  # fsync after every scan: no thread in the test process
    settings.SCAN_SPOOL_ROTATE_SECONDS = 3600
    yield tmp_path / "spool"
    spool.spool().sync(rotate=True)


def _close_writer():
    spool.spool().sync(rotate=True)  # what the process's thread does after SCAN_SPOOL_ROTATE_SECONDS


def test_a_scan_is_one_write_and_no_query_then_stored_by_the_flush(spooled, lot, django_assert_num_queries):
    client = Client()
    path = f"/01/{lot.product.gtin}/10/{lot.code}/21/12345"
    # Resolving reads the product, the lot and their links; the scan itself writes nothing to the database.
    with django_assert_num_queries(3):
        r = client.get(path, REMOTE_ADDR="203.113.45.67", headers={"Accept-Language": "vi-VN", "User-Agent": "Zalo"})
    assert r.status_code == 307
    assert ScanEvent.objects.count() == 0
    assert spool.pending() == 1
    assert spool.flush() == 0  # the writer still holds its file
    _close_writer()
    assert spool.flush() == 1
    scan = ScanEvent.objects.get()
    assert (scan.product_id, scan.lot_id, scan.serial) == (lot.product_id, lot.pk, "12345")
    assert scan.country == "VN" and scan.agent_family == "Zalo" and scan.language == "vi"
    assert len(scan.ip_hash) == 16 and "203.113" not in scan.ip_hash
    assert scan.flags_checked is False  # flagged by check_new_scans, as a direct INSERT would be
    assert list(spooled.iterdir()) == []  # stored files are deleted
    assert spool.flush() == 0  # and never stored twice


def test_scans_of_a_killed_process_are_stored(spooled, lot):
    """SIGKILL right after the writes: the lines are in the kernel, the lock dies with the process."""
    pid = os.fork()
    if pid == 0:  # the child: an app process that records 25 scans and is killed
        try:
            for i in range(25):
                scans.record_scan({"REMOTE_ADDR": "10.0.0.1"}, product_id=lot.product_id, lot_id=lot.pk,
                                  serial=str(i))
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert spool.flush() == 25
    assert sorted(int(s) for s in ScanEvent.objects.values_list("serial", flat=True)) == list(range(25))


def test_a_live_writers_file_is_left_alone(spooled, lot):
    scans.record_scan({}, product_id=lot.product_id, lot_id=None)
    (open_file,) = spooled.glob("*.jsonl")
    fd = os.open(open_file, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    assert spool.flush() == 0 and ScanEvent.objects.count() == 0


def test_a_flusher_that_died_after_commit_does_not_store_twice(spooled, lot):
    scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk, serial="7")
    _close_writer()
    (name,) = [p.name for p in spooled.glob("*.jsonl")]
    ScanSpoolFile.objects.create(name=name, scans=1)  # committed, but the file was not deleted
    ScanEvent.objects.create(product_id=lot.product_id, lot_id=lot.pk, serial="7",
                             scanned_at=datetime.datetime.now(datetime.timezone.utc), day=datetime.date.today())
    assert spool.flush() == 0
    assert ScanEvent.objects.count() == 1 and list(spooled.glob("*.jsonl")) == []


def test_half_a_line_is_skipped_and_the_rest_kept(spooled, lot, caplog):
    scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk, serial="1")
    _close_writer()
    (path,) = spooled.glob("*.jsonl")
    with open(path, "ab") as f:
        f.write(json.dumps({"p": lot.product_id, "l": lot.pk, "s": "2", "t": "2026-11-27T10:00:00+00:00",
                            "d": "2026-11-27"}).encode() + b"\n" + b'{"p": 1, "l"')
    assert spool.flush() == 2
    assert set(ScanEvent.objects.values_list("serial", flat=True)) == {"1", "2"}
    assert "unreadable" in caplog.text


def test_scans_of_a_product_deleted_since_are_dropped(spooled, lot, product):
    from htxconnect.registry.models import Product

    scans.record_scan({}, product_id=product.pk, lot_id=lot.pk)
    scans.record_scan({}, product_id=987654, lot_id=None)  # deleted before the flush
    _close_writer()
    assert spool.flush() == 1
    assert Product.objects.filter(pk=987654).count() == 0
    assert ScanEvent.objects.get().product_id == product.pk


def test_a_full_spool_disk_falls_back_to_the_database(spooled, lot, monkeypatch):
    def full(self, row):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool.Spool, "append", full)
    scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk, serial="9")
    assert ScanEvent.objects.get().serial == "9"


def test_without_a_spool_each_scan_is_one_insert(settings, lot, django_assert_num_queries):
    settings.SCAN_SPOOL_DIR = ""
    with django_assert_num_queries(1):
        scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk)
    assert ScanEvent.objects.count() == 1


def test_the_minute_job_stores_the_spool_before_flagging(spooled, lot):
    from htxconnect.core import periodic

    names = [job.name for job in periodic.jobs("minute")]
    assert names.index("flush_scan_spool") < names.index("check_new_scans")
    scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk, serial="99999999")
    _close_writer()
    results = periodic.run_due("minute")
    assert results["flush_scan_spool"] == 1 and results["check_new_scans"] == 1
    assert ScanEvent.objects.get().flags == ["never_printed"]


def test_the_statistics_page_stores_the_spool_first(spooled, lot, clients):
    scans.record_scan({}, product_id=lot.product_id, lot_id=lot.pk)
    _close_writer()
    r = clients["coop_manager"].get("/trace/stats/")
    assert r.status_code == 200
    assert ScanEvent.objects.count() == 1


def test_a_slow_fsync_does_not_hold_up_scans(tmp_path, monkeypatch):
    """The thread's fsync (every SCAN_SPOOL_FSYNC_SECONDS) may take tens of milliseconds on a busy
    disk: scans go on being appended meanwhile, and every line is still in the file."""
    writer = spool.Spool(tmp_path, fsync_seconds=3600, rotate_seconds=3600)
    writer.append({"p": 1})
    entered, release, appended = threading.Event(), threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd):
        entered.set()
        release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(spool.os, "fsync", slow_fsync)
    syncing = threading.Thread(target=writer.sync)
    appender = threading.Thread(target=lambda: (writer.append({"p": 2}), appended.set()))
    try:
        syncing.start()
        assert entered.wait(5)
        appender.start()
        assert appended.wait(2), "the scan waited for the fsync"
    finally:
        release.set()
        syncing.join(10)
        appender.join(10)
    writer.sync(rotate=True)
    [name] = [p for p in tmp_path.iterdir() if p.suffix == ".jsonl"]
    assert [json.loads(line)["p"] for line in name.read_text().splitlines()] == [1, 2]
    fd = os.open(name, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # closed: the flusher may take it
    finally:
        os.close(fd)


def test_the_address_is_kept_only_as_a_hash_of_its_network_the_key_and_the_day(settings):
    settings.SECRET_KEY = "k" * 50
    day = datetime.date(2026, 11, 28)

    def expected(network):
        return hashlib.sha256(f"{'k' * 50}|2026-11-28|{network}".encode()).hexdigest()[:16]

    for address, network in (("203.113.45.67", "203.113.45.0"), ("203.113.45.1", "203.113.45.0"),
                             ("2001:db8:abcd:12::1", "2001:db8:abcd::"), ("2001:db8:abcd:ffff::9", "2001:db8:abcd::")):
        assert scans.ip_hash({"REMOTE_ADDR": address}, day) == expected(network), address
    assert scans.ip_hash({"REMOTE_ADDR": "203.113.46.1"}, day) != expected("203.113.45.0")
    assert scans.ip_hash({"REMOTE_ADDR": "không phải địa chỉ"}, day) == ""
    assert scans.ip_hash({}, day) == ""
