"""Scan pages written as files for nginx (resolver.pagefiles): written on the first render, per
language, removed on every change the page shows, never left stale by a render racing a purge,
rolled at midnight; and the nginx site serves them with Django's headers (deploy/nginx)."""

import datetime
import gzip
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from htxconnect.core.actors import SYSTEM
from htxconnect.resolver import cache as page_cache
from htxconnect.resolver import pagefiles, services

pytestmark = pytest.mark.django_db

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "htxconnect.conf"


@pytest.fixture
def pages(settings, tmp_path):
    settings.SCAN_PAGE_ROOT = str(tmp_path / "pages")
    pagefiles._rolled.clear()
    return tmp_path / "pages"


def lot_path(lot):
    return f"/scan/01/{lot.product.gtin}/10/{lot.code}/"


def served(pages, lang, path):
    """The file nginx would serve: root <SCAN_PAGE_ROOT>/current, try_files /<lang><uri>index.html."""
    return pages / "current" / lang / (path.strip("/") + "/index.html")


def test_first_render_writes_the_page_nginx_serves(pages, lot, journey, certified):
    r = Client().get(lot_path(lot))
    assert r.status_code == 200
    file = served(pages, "vi", lot_path(lot))
    assert file.read_bytes() == r.content
    assert oct(file.stat().st_mode & 0o777) == "0o644"
    assert gzip.decompress(file.with_name("index.html.gz").read_bytes()) == r.content  # for gzip_static
    assert os.readlink(pages / "current") == f"days/{timezone.localdate():%Y%m%d}"
    assert not served(pages, "en", lot_path(lot)).exists()


def test_each_language_has_its_own_file(pages, lot, journey):
    Client().get(lot_path(lot), headers={"Accept-Language": "en-US,en;q=0.9"})
    Client().get(lot_path(lot) + "?lang=vi")
    english = served(pages, "en", lot_path(lot)).read_text()
    vietnamese = served(pages, "vi", lot_path(lot)).read_text()
    assert '<html lang="en">' in english and "Journey of this lot" in english
    assert '<html lang="vi">' in vietnamese and "Hành trình" in vietnamese
    Client().get(f"/scan/01/{lot.product.gtin}/")  # the product page too
    assert served(pages, "vi", f"/scan/01/{lot.product.gtin}/").exists()


def test_a_recall_removes_the_files_and_the_next_render_writes_the_banner(pages, lot, journey,
                                                                          django_capture_on_commit_callbacks):
    client = Client()
    client.get(lot_path(lot))
    client.get(lot_path(lot) + "?lang=en")
    client.get(f"/scan/01/{lot.product.gtin}/")
    with django_capture_on_commit_callbacks(execute=True):
        services.recall_lot(actor=SYSTEM, lot=lot, reason="Phát hiện nấm mốc")
    for lang, path in (("vi", lot_path(lot)), ("en", lot_path(lot)), ("vi", f"/scan/01/{lot.product.gtin}/")):
        assert not served(pages, lang, path).exists(), (lang, path)
    client.get(lot_path(lot))
    assert "LÔ HÀNG ĐÃ BỊ THU HỒI" in served(pages, "vi", lot_path(lot)).read_text()


def test_a_rolled_back_recall_leaves_the_files(pages, lot, django_capture_on_commit_callbacks):
    from django.db import transaction

    Client().get(lot_path(lot))
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.recall_lot(actor=SYSTEM, lot=lot, reason="Nhầm")
                raise RuntimeError
    assert served(pages, "vi", lot_path(lot)).exists()


def test_an_edit_of_the_product_or_a_certificate_removes_the_files(pages, lot, coop,
                                                                   django_capture_on_commit_callbacks):
    from htxconnect.registry import services as registry_services

    Client().get(lot_path(lot))
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.update_product(actor=SYSTEM, product=lot.product, name="Ổi ruột đỏ Phú Giáo")
    assert not served(pages, "vi", lot_path(lot)).exists()
    assert "Ổi ruột đỏ Phú Giáo" in Client().get(lot_path(lot)).content.decode()
    assert "Ổi ruột đỏ Phú Giáo" in served(pages, "vi", lot_path(lot)).read_text()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.create_certification(actor=SYSTEM, organization=coop, type="vietgap", number="VG-9",
                                               issue_date=today, expiry_date=today + datetime.timedelta(days=300))
    assert not served(pages, "vi", lot_path(lot)).exists()


def test_a_render_that_read_before_a_purge_leaves_no_file(pages, lot):
    version = page_cache.product_version(lot.product.gtin)
    page_cache.purge_gtin(lot.product.gtin)  # the recall committed while the old page was rendered
    assert pagefiles.write(lot_path(lot), "vi", "<p>trang cũ</p>", gtin=lot.product.gtin, version=version,
                           current_version=lambda: page_cache.product_version(lot.product.gtin)) is None
    assert not served(pages, "vi", lot_path(lot)).exists()


def test_only_canonical_paths_get_a_file(pages, lot):
    gtin13 = lot.product.gtin[1:]
    assert Client().get(f"/scan/01/{gtin13}/10/{lot.code}/").status_code == 200
    assert pagefiles.path_for(f"/scan/01/{gtin13}/10/{lot.code}/", "vi") is None
    for bad in ("/scan/01/08931234560001/10/../", "/scan/01/08931234560001/10/.x/", "/scan/01/0893/",
                "/scan/01/08931234560001/report/"):
        assert pagefiles.path_for(bad, "vi") is None, bad
    assert pagefiles.path_for(lot_path(lot), "fr") is None
    assert not (pages / "current" / "vi" / "scan" / "01" / gtin13).exists()


def test_no_file_without_a_page_root(settings, lot, tmp_path):
    settings.SCAN_PAGE_ROOT = ""
    assert Client().get(lot_path(lot)).status_code == 200
    assert pagefiles.path_for(lot_path(lot), "vi") is None


def test_midnight_moves_current_to_a_new_day_and_drops_the_old(pages, lot, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 27, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=7))))
    Client().get(lot_path(lot))
    assert served(pages, "vi", lot_path(lot)).exists()
    time_machine.move_to(datetime.datetime(2026, 11, 28, 0, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7))))
    assert pagefiles.roll_day() == "20261128"  # the minute job
    assert os.readlink(pages / "current") == "days/20261128"
    assert not served(pages, "vi", lot_path(lot)).exists()
    assert [p.name for p in (pages / "days").iterdir()] == ["20261128"]


def test_a_directory_made_for_nginx_s_root_becomes_the_link(pages, lot):
    (pages / "current").mkdir(parents=True)  # what an installer (mkdir -p the root) leaves
    Client().get(lot_path(lot))
    assert (pages / "current").is_symlink() and served(pages, "vi", lot_path(lot)).exists()


def test_the_minute_job_rolls_the_day():
    from htxconnect.core import periodic

    assert "roll_scan_page_files" in [job.name for job in periodic.jobs("minute")]


# --- The nginx site -------------------------------------------------------------------------------


def _location(site, start):
    begin = site.index(start)
    return site[begin:site.index("\n    }\n", begin)]


def test_nginx_sends_the_headers_django_sends(settings, lot):
    """The file location adds by hand what Django's middleware adds: compare them."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    django = Client().get(lot_path(lot), secure=True, headers={"Accept-Language": "vi"})
    location = _location(SITE.read_text(), "location ^~ /scan/01/ {")
    added = {name.lower(): value.strip('"') for name, value in
             re.findall(r'^\s*add_header\s+(\S+)\s+("[^"]*"|\S+);', location, re.M)}
    for name in ("cache-control", "vary", "access-control-allow-origin", "content-security-policy",
                 "x-content-type-options", "x-frame-options", "referrer-policy", "cross-origin-opener-policy",
                 "strict-transport-security"):
        assert added.get(name) == django.headers[name], name
    assert added["content-language"] == "$htx_scan_lang"
    assert django["Content-Type"] == "text/html; charset=utf-8"
    assert 'default_type "text/html; charset=utf-8";' in location and "types { }" in location
    # Pages are small: read and sent with the headers in one writev() (bench/scan_page.py measures it).
    assert "sendfile off;" in location
    assert "root /srv/htxconnect/scan-pages/current;" in location
    assert "try_files /$htx_scan_lang${uri}index.html @htx_scan_app;" in location


def test_every_accept_language_nginx_decides_alone_is_decided_as_django_would(rf):
    """The exact strings of the header map (nginx's shortcut past its regular expressions) give the
    language Django itself picks for that header (translation.get_language_from_request)."""
    from django.utils.translation import get_language_from_request

    site = SITE.read_text()
    block = site[site.index('$http_accept_language" $htx_scan_lang {'):]
    block = block[:block.index("\n}")]
    # Keyed "<session>|<query>|<language cookie>|<Accept-Language>": none of the first three here.
    exact = re.findall(r'^\s*"\|\|\|([^"~|]*)"\s+"(vi|en)";', block, re.M)
    assert ("", "vi") in exact and ("vi-VN,vi;q=0.9", "vi") in exact and len(exact) >= 5
    for header, lang in exact:
        request = rf.get("/scan/", HTTP_ACCEPT_LANGUAGE=header) if header else rf.get("/scan/")
        assert get_language_from_request(request)[:2] == lang, header
