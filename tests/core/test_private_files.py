"""Private uploads (core.private_files, decision 0028): a file outside core.storage.PUBLIC_PREFIXES
is linked as /files/<name> and read only by those the owning record's own access rule lets see
it; everyone else, anonymous visitors included, gets 404 (a guessed name learns nothing). Names
that try to leave the media directory are refused; /media/ in the demo serves public pictures only.

One case per registered prefix: the file is attached to a real record of the shared samples
(tests/world.py and the apps' matrix samples), owned as the trios say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models

from htxconnect.core import private_files
from htxconnect.core.actors import SYSTEM
from htxconnect.core.models import AuditEntry
from htxconnect.core.storage import PUBLIC_PREFIXES

PDF = b"%PDF-1.4\n% private file of a test\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILES_X_ACCEL_REDIRECT = False
    return settings.MEDIA_ROOT


def attach(obj, field: str, filename: str = "tai-lieu.pdf", content: bytes = PDF) -> str:
    """Store bytes under the field's own upload_to and point the record at them (test set-up)."""
    name = default_storage.save(obj._meta.get_field(field).generate_filename(obj, filename), ContentFile(content))
    type(obj).objects.filter(pk=obj.pk).update(**{field: name})
    return name


def url_of(name: str) -> str:
    return default_storage.url(name)


# --- Builders: one record per registered prefix, owned by the home agency / world.org -----------------


def _registry(world):
    from tests.registry.matrix import registry_samples

    if "registry" not in world.samples:
        world.samples["registry"] = registry_samples(world)
    return world.samples["registry"]


def _organization(world):
    return world.org


def _certification(world):
    from htxconnect.registry.models import Certification

    return Certification.objects.get(pk=_registry(world)["certification"])


def _ip(world):
    from htxconnect.registry.models import IPRight

    return IPRight.objects.get(pk=_registry(world)["ip"])


def _ocop(world):
    from htxconnect.registry.models import OcopRating

    return OcopRating.objects.get(pk=_registry(world)["ocop"])


def _programs():
    from tests.programs.matrix import sample

    return sample()


def _application_document(world):
    from htxconnect.programs.models import ApplicationDocument

    return ApplicationDocument.objects.get(application_id=_programs()["application"])


def _support(world):
    from htxconnect.programs.models import Support

    return Support.objects.get(pk=_programs()["support"])


def _task(world):
    from htxconnect.programs.models import ScienceTask

    return ScienceTask.objects.get(pk=_programs()["task"])


def _withdrawn_policy(world):
    from htxconnect.programs.models import Policy

    policy = Policy.objects.get(pk=_programs()["policy"])
    Policy.objects.filter(pk=policy.pk).update(is_active=False)
    return policy


def _events(world):
    from tests.events.matrix import events_samples

    return events_samples(world, {})


def _draft_material(world):
    from htxconnect.events import services
    from htxconnect.events.models import Event

    event = Event.objects.get(pk=_events(world)["draft_event"])
    return services.add_material(actor=SYSTEM, event=event, title="Tài liệu nháp",
                                 file=ContentFile(PDF, name="tai-lieu-nhap.pdf"))


def _submission_file(world):
    from htxconnect.events.models_followup import SubmissionFile
    from tests.events.matrix_followup import followup_samples

    return SubmissionFile.objects.get(pk=followup_samples(world, {})["submission_file"])


def _deal(world):
    from htxconnect.market.models import Deal
    from tests.market.matrix import market_samples

    return Deal.objects.get(pk=market_samples(world, {})["deal"])


def _label_sheet(world):
    from htxconnect.resolver.models import PrintRun
    from tests.resolver.matrix import resolver_samples

    return PrintRun.objects.get(pk=resolver_samples(world, {"product": _registry(world)["product"]})["run"])


def _report(world):
    from htxconnect.reports.models import Report
    from tests.reports.matrix import sample

    return Report.objects.get(pk=sample()["report"])


@dataclass
class FileCase:
    prefix: str
    build: Callable
    field: str
    allowed: tuple
    refused: tuple


COOP_RECORD = dict(allowed=("officer", "admin", "coop_manager", "coop_member"),
                   refused=("anonymous", "other_officer", "coop_outsider", "buyer"))
PROGRAM_RECORD = dict(allowed=("officer", "leader", "coop_manager"),
                      refused=("anonymous", "other_officer", "coop_outsider", "coop_member", "buyer"))

CASES = [
    FileCase("registry/verification/", _organization, "verification_document", **COOP_RECORD),
    FileCase("registry/verification/", _certification, "verification_document", **COOP_RECORD),
    FileCase("registry/certifications/", _certification, "document", **COOP_RECORD),
    FileCase("registry/ip/", _ip, "document", **COOP_RECORD),
    FileCase("registry/ocop/", _ocop, "document", **COOP_RECORD),
    FileCase("programs/applications/", _application_document, "file", **PROGRAM_RECORD),
    FileCase("programs/supports/", _support, "document", **PROGRAM_RECORD),
    FileCase("programs/tasks/", _task, "document", **PROGRAM_RECORD),
    FileCase("programs/policies/", _withdrawn_policy, "document", allowed=("officer", "admin"),
             refused=("anonymous", "other_officer", "coop_manager", "buyer")),
    FileCase("events/materials/", _draft_material, "file", allowed=("officer", "leader", "admin"),
             refused=("anonymous", "other_officer", "coop_manager", "buyer")),
    # A contest entry: the organiser's staff, the judge (other_officer) and the cooperative's people.
    FileCase("events/contests/", _submission_file, "file", allowed=("officer", "other_officer", "coop_manager"),
             refused=("anonymous", "other_leader", "coop_outsider", "buyer")),
    FileCase("market/deals/", _deal, "file", allowed=("buyer", "coop_manager"),
             refused=("anonymous", "coop_outsider")),
    FileCase("resolver/labels/", _label_sheet, "pdf", **COOP_RECORD),
    FileCase("reports/", _report, "docx", allowed=("officer", "leader", "admin"),
             refused=("anonymous", "other_officer", "coop_manager", "buyer")),
]


def _case_id(case: FileCase) -> str:
    return f"{case.prefix}{case.build.__name__.lstrip('_')}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_a_private_file_is_read_by_those_the_record_lets_see_it_and_404_to_others(case, world, media):
    obj = case.build(world)
    name = attach(obj, case.field, content=PDF + case.prefix.encode())
    assert name.startswith(case.prefix)
    url = url_of(name)
    assert url == f"/files/{name}"
    for who in case.allowed:
        response = world.client(who).get(url)
        assert response.status_code == 200, (who, response.status_code)
        assert b"".join(response.streaming_content) == PDF + case.prefix.encode()
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
    for who in case.refused:
        assert world.client(who).get(url).status_code == 404, who


def test_every_file_field_is_public_or_has_a_registered_owner():
    """A new FileField cannot be added without deciding who may read its files."""
    registered = {(owner.model, owner.field): owner.prefix for owner in private_files.owners()}
    unclaimed = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField):
                continue
            upload_to = field.upload_to
            prefix = (upload_to(None, "x.pdf").rsplit("/", 1)[0] + "/" if callable(upload_to)
                      else upload_to.split("%", 1)[0])
            if prefix.startswith(PUBLIC_PREFIXES):
                continue
            owner_prefix = registered.get((model, field.name))
            if owner_prefix is None or not prefix.startswith(owner_prefix):
                unclaimed.append(f"{model._meta.label}.{field.name} ({prefix})")
    assert not unclaimed, unclaimed
    # Every registered prefix is exercised by a case above.
    assert {owner.prefix for owner in private_files.owners()} == {case.prefix for case in CASES}


def test_a_policy_in_force_is_a_public_document_not_audited(world, media):
    from htxconnect.programs.models import Policy

    policy = Policy.objects.get(pk=_programs()["policy"])
    assert policy.is_active
    name = attach(policy, "document", "nghi-dinh.pdf")
    for who in ("anonymous", "other_officer", "buyer"):
        assert world.client(who).get(url_of(name)).status_code == 200, who
    assert not AuditEntry.objects.filter(action="core.file.downloaded").exists()


def test_a_published_events_materials_are_read_by_its_visitors(world, media):
    from htxconnect.events import services
    from htxconnect.events.models import Event

    event = Event.objects.get(pk=_events(world)["published_event"])
    material = services.add_material(actor=SYSTEM, event=event, title="Bài giảng",
                                     file=ContentFile(PDF, name="bai-giang.pdf"))
    page = world.client("anonymous").get(f"/events/{event.pk}/").content.decode()
    assert f'href="{url_of(material.file.name)}"' in page
    assert world.client("anonymous").get(url_of(material.file.name)).status_code == 200


def test_an_ip_title_is_read_by_the_organisation_granted_its_use(world, media):
    from htxconnect.registry import services

    right = services.create_ip_right(actor=world.people["admin"], owner=world.other_org, kind="trademark",
                                     name="LÁNG GIỀNG", status="applied")
    name = attach(right, "document", "van-bang.pdf")
    assert world.client("coop_manager").get(url_of(name)).status_code == 404
    services.grant_ip_usage(actor=world.people["admin"], ip_right=right, grantee=world.org)
    assert world.client("coop_manager").get(url_of(name)).status_code == 200
    assert world.client("coop_outsider").get(url_of(name)).status_code == 200  # other_org owns it


def test_a_download_is_audited_with_who_and_which_file(world, media):
    cert = _certification(world)
    name = attach(cert, "document")
    assert world.client("officer").get(url_of(name)).status_code == 200
    entry = AuditEntry.objects.get(action="core.file.downloaded")
    assert entry.actor == world.people["officer"]
    assert entry.object_type == "registry.certification" and entry.object_id == str(cert.pk)
    assert entry.changes == {"file": [None, name]}
    world.client("coop_outsider").get(url_of(name))
    assert AuditEntry.objects.filter(action="core.file.downloaded").count() == 1  # refusals are not downloads


def test_the_submitted_files_original_name_is_offered(world, media):
    attached = _submission_file(world)
    response = world.client("coop_manager").get(url_of(attached.file.name))
    assert response.status_code == 200
    assert 'filename="ho-so.pdf"' in response["Content-Disposition"]


def test_staff_without_two_factor_read_only_what_a_visitor_may(world, media):
    from django.test import Client

    name = attach(_certification(world), "document")
    client = Client()
    client.force_login(world.people["officer"])  # signed in, second factor not passed
    assert client.get(url_of(name)).status_code == 404


def test_behind_nginx_the_answer_is_an_x_accel_redirect(world, media, settings):
    settings.FILES_X_ACCEL_REDIRECT = True
    name = attach(_certification(world), "document", "Giấy chứng nhận VietGAP.pdf")
    response = world.client("officer").get(url_of(name))
    assert response.status_code == 200 and response.content == b""
    from urllib.parse import quote

    assert response["X-Accel-Redirect"] == "/_protected/" + quote(name)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"] and response["Cache-Control"] == "private, no-store"
    assert world.client("coop_outsider").get(url_of(name)).status_code == 404
    # A record whose file is gone: 404, not an nginx error, and no download in the audit log.
    default_storage.delete(name)
    assert world.client("officer").get(url_of(name)).status_code == 404
    assert AuditEntry.objects.filter(action="core.file.downloaded").count() == 1


def test_an_image_is_shown_inline(world, media):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    name = attach(_certification(world), "document", "ban-quet.png", png)
    response = world.client("officer").get(url_of(name))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    svg = attach(_certification(world), "verification_document", "ban-ve.svg", b"<svg/>")
    assert world.client("officer").get(url_of(svg))["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("name", [
    "../settings.py", "registry/certifications/../../secret.txt", "registry/certifications/./x.pdf",
    "registry//certifications/x.pdf", "/etc/passwd", "registry\\certifications\\x.pdf", "C:/x.pdf", "a\x00b", "",
])
def test_names_that_leave_the_media_directory_are_refused(name):
    assert private_files.clean_name(name) is None


@pytest.mark.parametrize("path", [
    "/files/../settings.py", "/files/registry/certifications/../../../../etc/passwd",
    "/files/registry/certifications/%2e%2e/%2e%2e/x.pdf", "/files//etc/passwd",
    "/files/registry%5Ccertifications%5Cx.pdf", "/files/registry/certifications/%00.pdf",
])
def test_path_tricks_are_404_even_for_the_administrator(world, media, path):
    assert world.client("admin").get(path).status_code == 404


def test_a_file_no_record_owns_is_404(world, media):
    """Import jobs, a file left on disk, a public picture: never served by /files/."""
    for name in ("imports/abc/job.json", "registry/certifications/2026/orphan.pdf", "registry/products/2026/p.jpg"):
        default_storage.save(name, ContentFile(PDF))
        assert world.client("admin").get(f"/files/{name}").status_code == 404, name


def test_storage_links_private_names_to_the_view_and_public_ones_to_media():
    assert default_storage.url("programs/supports/2026/a b.pdf") == "/files/programs/supports/2026/a%20b.pdf"
    assert default_storage.url("registry/products/2026/oi.jpg") == "/media/registry/products/2026/oi.jpg"
    assert default_storage.url("portal/articles/2026/bia.jpg") == "/media/portal/articles/2026/bia.jpg"


def test_demo_media_serves_public_pictures_only(media, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from htxconnect.urls import _demo_media

    default_storage.save("registry/products/2026/oi.jpg", ContentFile(b"jpeg"))
    default_storage.save("registry/certifications/2026/scan.pdf", ContentFile(PDF))
    def get(path):
        request = rf.get(f"/media/{path}")
        request.user = AnonymousUser()
        return _demo_media(request, path)

    response = get("registry/products/2026/oi.jpg")
    assert response.status_code == 200 and "sandbox" in response["Content-Security-Policy"]
    for path in ("registry/certifications/2026/scan.pdf", "registry/products/../certifications/2026/scan.pdf"):
        with pytest.raises(Http404):
            get(path)


def test_demo_urlconf_answers_404_for_a_private_file_at_media(media, client, settings):
    """`make demo` mounts /media/ (DEMO_MODE): a private name there is 404, a public one is served."""
    import importlib
    import sys

    from django.urls import clear_url_caches

    settings.DEMO_MODE = True
    sys.modules.pop("htxconnect.urls", None)
    demo_urls = importlib.import_module("htxconnect.urls")
    try:
        settings.ROOT_URLCONF = demo_urls
        clear_url_caches()
        default_storage.save("registry/products/2026/oi.jpg", ContentFile(b"jpeg"))
        private = default_storage.save("programs/supports/2026/ho-tro.pdf", ContentFile(PDF))
        assert client.get("/media/registry/products/2026/oi.jpg").status_code == 200
        assert client.get(f"/media/{private}").status_code == 404
    finally:
        settings.DEMO_MODE = False
        sys.modules.pop("htxconnect.urls", None)
        importlib.import_module("htxconnect.urls")
        clear_url_caches()

