"""Program endpoints of the REST API: policies, programs, targets with progress, supports and
applications (read, and submit for a cooperative). Scoped exactly like the pages (same queries),
writes through the same services."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from ninja import Query, Router, Schema
from ninja.responses import Status


from htxconnect.core.permissions import AGENCY_STAFF, COOPERATIVE, require_rule

from . import queries, services

router = Router(tags=["programs"])
MAX_PAGE_SIZE = 200


class PageParams(Schema):
    page: int = 1
    page_size: int = 50


def _page(queryset, params: PageParams):
    return Paginator(queryset, max(1, min(params.page_size, MAX_PAGE_SIZE))).get_page(params.page)


class ItemOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    max_amount: int | None
    max_share_percent: int | None
    required_documents: list[str]


class PolicyOut(Schema):
    id: int
    number: str
    title: str
    issuer: str
    issued_on: date
    is_active: bool
    agency: str
    items: list[ItemOut]


@router.get("/policies", response=list[PolicyOut], summary="Chính sách hỗ trợ và các nội dung hỗ trợ")
def list_policies(request):
    user = require_rule(request, COOPERATIVE)
    return [{"id": p.pk, "number": p.number, "title": p.title, "issuer": p.issuer, "issued_on": p.issued_on,
             "is_active": p.is_active, "agency": p.agency.name,
             "items": [{"id": i.pk, "code": i.code, "name": i.name, "kind": i.kind, "max_amount": i.max_amount,
                        "max_share_percent": i.max_share_percent, "required_documents": i.required_documents}
                       for i in p.items.all()]}
            for p in queries.list_policies(user)]


class ProgramOut(Schema):
    id: int
    name: str
    start_year: int
    end_year: int
    agency: str
    groups: list[str]


@router.get("/programs", response=list[ProgramOut], summary="Chương trình phối hợp trong phạm vi của người gọi")
def list_programs(request):
    user = require_rule(request, AGENCY_STAFF)
    programs = queries.scope_programs(user).select_related("agency").prefetch_related("groups")
    return [{"id": p.pk, "name": p.name, "start_year": p.start_year, "end_year": p.end_year, "agency": p.agency.name,
             "groups": [str(g) for g in p.groups.all()]} for p in programs]


class TargetOut(Schema):
    id: int
    year: int
    group: int
    title: str
    indicator: str
    unit: str
    value: int
    actual: int
    percent: int
    records_url: str


@router.get("/programs/{program_id}/targets", response=list[TargetOut],
            summary="Chỉ tiêu của chương trình và số đạt được (tính từ bản ghi)")
def program_targets(request, program_id: int):
    user = require_rule(request, AGENCY_STAFF)
    program = queries.access_program(user, program_id)
    overview = queries.program_overview(program)
    return [{"id": r.target.pk, "year": year, "group": g.group.number, "title": r.target.title,
             "indicator": r.target.indicator, "unit": r.target.unit, "value": r.target.value, "actual": r.actual,
             "percent": r.percent, "records_url": f"/programs/targets/{r.target.pk}/"}
            for g in overview["groups"] for year, rows in g.years for r in rows]


class SupportFilters(PageParams):
    program: int | None = None
    kind: str = ""
    organization: int | None = None


class SupportOut(Schema):
    id: int
    organization_id: int
    organization: str
    kind: str
    title: str
    given_on: date
    amount_state: int
    amount_counterpart: int
    participants: int | None
    program_id: int | None
    group: int | None
    note: str


class SupportPage(Schema):
    count: int
    page: int
    pages: int
    results: list[SupportOut]


@router.get("/supports", response=SupportPage, summary="Khoản hỗ trợ đã thực hiện")
def list_supports(request, filters: Query[SupportFilters]):
    user = require_rule(request, COOPERATIVE)
    page = _page(queries.list_supports(user, program=filters.program, kind=filters.kind,
                                       organization=filters.organization), filters)
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages, "results": [
        {"id": s.pk, "organization_id": s.organization_id, "organization": s.organization.name, "kind": s.kind,
         "title": s.title, "given_on": s.given_on, "amount_state": s.amount_state,
         "amount_counterpart": s.amount_counterpart, "participants": s.participants, "program_id": s.program_id,
         "group": s.group.number if s.group_id else None, "note": s.note} for s in page.object_list]}


class ApplicationOut(Schema):
    id: int
    organization_id: int
    organization: str
    item_id: int
    policy: str
    title: str
    amount_requested: int | None
    total_cost: int | None
    state: str
    due_on: date | None


def _application(a) -> dict:
    return {"id": a.pk, "organization_id": a.organization_id, "organization": a.organization.name,
            "item_id": a.item_id, "policy": a.item.policy.number, "title": a.title,
            "amount_requested": a.amount_requested, "total_cost": a.total_cost, "state": a.state, "due_on": a.due_on}


@router.get("/applications", response=list[ApplicationOut], summary="Hồ sơ đề nghị hỗ trợ")
def list_applications(request, state: str = "", overdue: bool = False):
    user = require_rule(request, COOPERATIVE)
    return [_application(a) for a in queries.list_applications(user, state=state, overdue=overdue)[:MAX_PAGE_SIZE]]


@router.get("/applications/{application_id}", response=ApplicationOut, summary="Một hồ sơ đề nghị hỗ trợ")
def get_application(request, application_id: int):
    user = require_rule(request, COOPERATIVE)
    return _application(queries.access_application(user, application_id))


class ApplicationIn(Schema):
    organization_id: int
    item_id: int
    title: str
    amount_requested: int
    total_cost: int | None = None
    description: str = ""


@router.post("/applications", response={201: ApplicationOut},
             summary="Lập và nộp hồ sơ (giấy tờ bắt buộc bổ sung trên trang web nếu chính sách yêu cầu)")
def submit_application(request, payload: ApplicationIn):
    """Creates the application and submits it at once; an item that asks for documents is refused
    with the list of what is missing (upload them on the application's page, then submit there)."""
    from django.db import transaction
    from django.http import Http404

    user = require_rule(request, COOPERATIVE)
    item = queries.open_items(user).filter(pk=payload.item_id).first()
    organization = queries.applicable_organizations(user).filter(pk=payload.organization_id).first()
    if item is None or organization is None:
        raise Http404("Không tìm thấy nội dung hỗ trợ hoặc HTX trong phạm vi của bạn.")
    with transaction.atomic():  # a refused submission leaves no draft behind
        application = services.create_application(
            actor=user, organization=organization, item=item, title=payload.title,
            amount_requested=payload.amount_requested, total_cost=payload.total_cost, description=payload.description)
        services.transition_application(actor=user, application_id=application.pk, action="submit")
    return Status(201, _application(queries.access_application(user, application.pk)))
