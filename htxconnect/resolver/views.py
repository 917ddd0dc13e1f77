"""Views: the GS1 Digital Link resolver, the public scan page, and the staff pages
(lots, journey steps, recall, links, labels, statistics, national export)."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import unquote

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (Http404, HttpResponse, HttpResponseNotAllowed, HttpResponsePermanentRedirect, JsonResponse,
                         QueryDict)
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from htxconnect.core import unavailable
from htxconnect.core.permissions import COOPERATIVE, public, requires
from htxconnect.core.ratelimit import limit_public_posts
from htxconnect.registry import queries as registry_queries
from htxconnect.core import identifiers as gs1

from . import cache as page_cache
from . import dl_compression, export, fastpath, forms, pagefiles, queries, resolver, scans, services, spool, steps
from .models import Link, PrintRun

class TemporaryRedirect(HttpResponseRedirectBase):
    status_code = 307  # the method and body are kept; GS1 resolvers answer 307


CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language, Vary",
}
ALLOWED = "GET, HEAD, OPTIONS"
LINKSET_NEGOTIATION = ["text/html", "application/linkset+json", "application/json"]

# --- Resolver -------------------------------------------------------------------------------------


def _resolver_headers(response, *, link_header: str = "", vary: bool = True):
    for k, v in CORS.items():
        response[k] = v
    if link_header:
        response["Link"] = link_header
    if vary:
        response["Vary"] = "Accept, Accept-Language"
    return response


def _error(request, status: int, message: str, *, link_header: str = "", context: dict | None = None):
    """400/404 as a small bilingual page for people, JSON for machines."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        response = JsonResponse({"status": status, "title": "Bad Request" if status == 400 else "Not Found",
                                 "detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(render_to_string("resolver/resolver_error.html",
                                             {"status": status, "message": message, **(context or {})}),
                                status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store" if status == 400 else "public, max-age=60"
    return _resolver_headers(response, link_header=link_header)


def _options_or_405(request):
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Allow"] = ALLOWED
        response["Access-Control-Allow-Methods"] = ALLOWED
        response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return _resolver_headers(response, vary=False)
    if request.method not in ("GET", "HEAD"):
        return _resolver_headers(HttpResponseNotAllowed(["GET", "HEAD", "OPTIONS"]))
    return None


@csrf_exempt
@public
def digital_link(request, rest: str):
    """`/01/{gtin}[/22/…][/10/{lot}][/21/{serial}]` with query qualifiers and linkType; also the
    partially compressed form `/01/{gtin}/{base64url}`."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return _options_or_405(request)
    segments = rest.strip("/").split("/")
    if len(segments) == 2 and dl_compression.looks_compressed(segments[1]) and not segments[1].isdigit():
        try:
            expanded = dl_compression.expand(f"/01/{rest}")
        except (dl_compression.CompressionError, ValueError):
            expanded = None  # not compressed after all: the parser explains what is wrong
        if expanded is not None:
            return _compressed(request, f"/01/{rest}")
    return _resolve(request, rest, request.GET)


@csrf_exempt
@public
def compressed_link(request, token: str):
    """A compressed GS1 Digital Link `/{base64url}`: resolved as its uncompressed form, with an
    `owl:sameAs` Link header naming it."""
    if not request.path_info.endswith("/"):
        # `/organizations` and the like are other pages without their slash: APPEND_SLASH as usual.
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not compressed_link:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return _options_or_405(request)
    return _compressed(request, f"/{token}")


def _compressed(request, path: str):
    try:
        expanded = dl_compression.expand(path)
    except (dl_compression.CompressionError, ValueError):
        expanded = None
    if expanded is None:
        raise Http404  # some other unknown one-segment path: the site's own 404 page
    ais, other = expanded
    try:
        uncompressed = dl_compression.build_path(ais, other)
    except dl_compression.CompressionError as exc:
        return _error(request, 404, _("GS1 Digital Link nén này không chứa GTIN (AI 01): %(e)s "
                                      "(only GTINs are resolved here).") % {"e": exc})
    rest, _sep, query_string = uncompressed[len("/01/"):].partition("?")
    query = QueryDict(query_string, mutable=True)
    for key, values in request.GET.lists():  # the request's own parameters (linkType…) win
        query.setlist(key, values)
    same_as = f"{resolver.root(request)}{uncompressed}"
    return _resolve(request, unquote(rest), query, same_as=same_as)


def _resolve(request, rest: str, query, *, same_as: str = ""):
    try:
        parsed = resolver.parse(rest, query)
    except resolver.ResolverError as exc:
        if request.method == "OPTIONS":
            return _options_or_405(request)
        return _error(request, exc.status, str(exc),
                      link_header=f'<{same_as}>; rel="owl:sameAs"' if same_as else "")
    site = resolver.root(request)
    linkset_url = f"{site}{parsed.path()}?linkType=linkset"
    links = [f'<{linkset_url}>; rel="linkset"; type="application/linkset+json"']
    if same_as:
        links.append(f'<{same_as}>; rel="owl:sameAs"')
    elif parsed.given_gtin != parsed.gtin or request.path.endswith("/"):
        links.append(f'<{site}{parsed.path()}>; rel="owl:sameAs"')
    if request.method == "OPTIONS":  # the linkset is announced on every answer, OPTIONS too
        response = _options_or_405(request)
        response["Link"] = ", ".join(links)
        return response
    try:
        product, lot = resolver.lookup(parsed)
        resolved = resolver.gather(request, parsed, product, lot) if product is not None else None
    except unavailable.DATABASE_ERRORS:
        # PostgreSQL is down: send the phone to the scan page, which nginx and the page cache can
        # still serve (the platform's default link); the scan itself cannot be counted now.
        scan_page = (reverse("resolver:scan_lot", args=[parsed.gtin, parsed.lot]) if parsed.lot
                     else reverse("resolver:scan_product", args=[parsed.gtin]))
        response = TemporaryRedirect(scan_page)
        response["Cache-Control"] = "no-store"
        response["Retry-After"] = str(unavailable.RETRY_AFTER_SECONDS)
        return _resolver_headers(response, link_header=", ".join(links))
    if product is None:
        return _error(request, 404, _("Không tìm thấy sản phẩm có GTIN %(g)s (no product with this GTIN).")
                      % {"g": parsed.gtin}, link_header=", ".join(links[1:]))
    link_type = query.get("linkType") or query.get("linktype")
    # A person's browser gets the page (text/html first, also for */* or no Accept); a client that
    # prefers JSON gets the linkset (GS1 Conformant Resolver: linkset on Accept application/linkset+json).
    wants_linkset = resolver.normalise_link_type(link_type or "") in ("all", "linkset") or (
        not link_type and request.get_preferred_type(LINKSET_NEGOTIATION) in LINKSET_NEGOTIATION[1:])
    if wants_linkset:
        body = resolver.linkset(resolved, site)
        response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/linkset+json")
        links.append(f'<{resolver.LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
                     'type="application/ld+json"')
        response["Cache-Control"] = "public, max-age=60"
        return _resolver_headers(response, link_header=", ".join(links))
    languages = resolver.accept_languages(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if query.get("lang"):
        languages.insert(0, query["lang"].lower())
    target = resolver.choose(resolved, link_type, languages)
    if target is None:
        # A requested link type the item lacks is a 404, never the default link (GS1-Conformant
        # Resolver 1.2); the answer names the types it has, and the Link header the linkset.
        return _error(request, 404, _("Sản phẩm này không có liên kết loại “%(t)s”; các loại có: %(a)s "
                                      "(no link of this type for this item).")
                      % {"t": link_type, "a": ", ".join(resolver.available_link_types(resolved))},
                      link_header=", ".join(links),
                      context={"no_link": True, "page": resolver.choose(resolved, None, []).href})
    params = {**parsed.extra, **parsed.attributes}
    if target.link_type in ("gs1:defaultLink", "gs1:pip", "gs1:traceability", "gs1:recallStatus") \
            and target.href.startswith(site) and query.get("lang"):
        params["lang"] = query["lang"]
    response = TemporaryRedirect(resolver.with_query(target.href, params))
    response["Cache-Control"] = "no-cache"
    if request.method == "GET":
        scans.record_scan(request, product_id=product.pk, lot_id=lot.pk if lot else None, serial=parsed.serial or "")
        if request.META.get("htx.fastpath"):  # the same answer for every serial: replayable (resolver.fastpath)
            response[fastpath.MARKER] = f"scan:{product.pk}:{lot.pk if lot else ''}"
    return _resolver_headers(response, link_header=", ".join(links))


@public
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def well_known(request):
    response = JsonResponse(resolver.description(resolver.root(request)), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return _resolver_headers(response, vary=False)


# --- Public scan page ------------------------------------------------------------------------------


def _page_language(request) -> tuple[str, bool]:
    """(language, chosen by the URL): ?lang= wins, else the language cookie / Accept-Language."""
    lang = request.GET.get("lang", "")
    if lang in ("vi", "en"):
        return lang, True
    found = get_language_from_request(request)
    return ("en" if found and found.startswith("en") else "vi"), False


def _scan_page(request, gtin: str, lot_code: str | None):
    try:
        gtin = gs1.validate_gtin(gtin)
    except gs1.GS1Error:
        raise Http404
    lang, explicit = _page_language(request)
    # The day is part of the key: a lot or a certificate expires at midnight without any write.
    # The version is read before the data (see pagefiles.write).
    version = page_cache.product_version(gtin)
    key = page_cache.page_key(gtin, version, lot_code, f"{lang}:{timezone.localdate():%Y%m%d}")
    cached = cache.get(key)
    if cached is None:
        with translation.override(lang):  # the journey sentences are written in the page's language
            data = queries.scan_page_data(gtin, lot_code)
        if data is None:
            return _error(request, 404, _("Không tìm thấy sản phẩm có GTIN %(g)s (no product with this GTIN).")
                          % {"g": gtin})
        with translation.override(lang):
            here = request.path
            data.update(lang=lang, here=here, other_lang="en" if lang == "vi" else "vi",
                        report_url=reverse("resolver:report", args=[gtin]) + (f"?lot={lot_code}" if lot_code else ""))
            html = render_to_string("resolver/scan_page.html", data)
        etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:20] + '"'
        cached = (html, etag)
        # A bound even without a purge: with a per-process cache (no Redis) other workers miss a purge.
        cache.set(key, cached, timeout=page_cache.page_seconds())
        pagefiles.write(request.path, lang, html, gtin=gtin, version=version,
                        current_version=lambda: page_cache.product_version(gtin))
    elif pagefiles.shared_cache() and (file := pagefiles.path_for(request.path, lang)) and not file.exists():
        # Cached before the files were (re)started: with a shared cache the page is current.
        pagefiles.write(request.path, lang, cached[0], gtin=gtin, version=version,
                        current_version=lambda: page_cache.product_version(gtin))
    html, etag = cached
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["ETag"] = etag
    response["Content-Language"] = lang
    response["Cache-Control"] = (f"public, max-age=0, s-maxage={page_cache.s_maxage()}, "
                                 f"stale-while-revalidate=30")
    if not explicit:
        response["Vary"] = "Accept-Language, Cookie"
    response["Access-Control-Allow-Origin"] = "*"
    if request.META.get("htx.fastpath") and response.status_code == 200:
        response[fastpath.MARKER] = "page"  # the same page for every anonymous visitor (resolver.fastpath)
    return response


@public
@require_http_methods(["GET", "HEAD"])
def scan_product(request, gtin: str):
    return _scan_page(request, gtin, None)


@public
@require_http_methods(["GET", "HEAD"])
def scan_lot(request, gtin: str, lot: str):
    return _scan_page(request, gtin, lot)


@csrf_exempt  # the scan page is shared by caches, so it cannot carry a per-visitor CSRF token
@public
@limit_public_posts("scan-report")
@require_http_methods(["GET", "HEAD", "POST"])
def report(request, gtin: str):
    """"Report a problem" from the scan page: throttled per address, audited."""
    lot_code = request.GET.get("lot") or request.POST.get("lot") or None
    data = queries.public_lot(gtin, lot_code) if lot_code else None
    product = data.product if data is not None else queries.public_product(gtin)
    if product is None:
        raise Http404
    lang, _explicit = _page_language(request)
    form = forms.ProblemReportForm(request.POST or None)
    done = False
    with translation.override(lang):
        if request.method == "POST" and form.is_valid():
            who = scans.ip_hash(request)
            key = f"resolver:report:{who}"
            cache.add(key, 0, timeout=3600)
            if cache.incr(key) > 5:
                form.add_error(None, _("Bạn đã gửi nhiều phản ánh; hãy thử lại sau một giờ."))
            else:
                try:
                    services.report_problem(actor=request.user, product=product, lot=data,
                                            message=form.cleaned_data["message"],
                                            contact=form.cleaned_data["contact"], ip_hash=who)
                    done = True
                except ValidationError as exc:
                    form.add_error("message", exc.message_dict.get("message", exc.messages))
        return render(request, "resolver/report.html", {"form": form, "product": product, "lot": data, "done": done,
                                                        "lang": lang, "gtin": gtin, "lot_code": lot_code or ""},
                      status=429 if form.non_field_errors() else 200)


# --- Staff pages --------------------------------------------------------------------------------------


@requires(COOPERATIVE)
def lot_list(request):
    lots = queries.scope_lots(request.user).order_by("-production_date", "-id")[:200]
    products = registry_queries.scope_products(request.user).select_related("producer").order_by("name")[:200]
    return render(request, "resolver/lot_list.html", {"lots": lots, "products": products})


@requires(COOPERATIVE)
def lot_create(request):
    form = forms.LotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lot = services.create_lot(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Đã tạo lô %(c)s.") % {"c": lot.code})
            return redirect("resolver:lot_detail", pk=lot.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("Tạo lô hàng mới")})


@requires(COOPERATIVE)
def lot_edit(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    services.check_manage(request.user, lot.product.producer)
    fields = ("production_date", "expiry_date", "quantity", "origin", "is_public")
    form = forms.LotEditForm(request.POST or None, user=request.user,
                             initial={name: getattr(lot, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lot(actor=request.user, lot=lot,
                                **{name: form.cleaned_data[name] for name in form.changed_data})
        except ValidationError as exc:
            forms.add_errors(form, exc)
        else:
            messages.success(request, _("Đã sửa lô %(c)s.") % {"c": lot.code})
            return redirect("resolver:lot_detail", pk=lot.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("Sửa lô %(c)s") % {"c": lot.code}})


@requires(COOPERATIVE)
def lot_detail(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    data = {"lot": lot, "can_manage": services.can_manage(request.user, lot.product.producer),
            "recall_form": forms.RecallForm(),
            "link_form": forms.LinkForm(), "print_form": forms.PrintForm(),
            "links": Link.objects.filter(product=lot.product).select_related("lot").order_by("lot_id", "link_type"),
            "runs": lot.print_runs.all()[:20],
            "digital_link": resolver.root(request) + f"/01/{lot.product.gtin}/10/{lot.code}" if lot.product.gtin else ""}
    data["journey"] = (queries.scan_page_data(lot.product.gtin, lot.code) or {}).get("journey", []) if lot.product.gtin else []
    return render(request, "resolver/lot_detail.html", data)


@requires(COOPERATIVE)
def lot_step(request, pk: int):
    """First the step (one button each), then a form with only that step's fields."""
    lot = queries.access_lot(request.user, pk)
    step = request.POST.get("step") or request.GET.get("step") or ""
    if step not in steps.STEPS:
        return render(request, "resolver/step_choose.html", {
            "lot": lot, "steps": steps.STEPS.values(),
            "error": _("Bước “%(s)s” không có trong danh sách; hãy chọn một bước.") % {"s": step} if step else ""})
    form = forms.StepForm(request.POST or None, lot=lot, step=step)
    if request.method == "POST" and form.is_valid():
        try:
            steps.record_step(actor=request.user, lot=lot, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Đã ghi bước “%(s)s”.") % {"s": steps.STEPS[form.cleaned_data["step"]].label})
            return redirect("resolver:lot_detail", pk=lot.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("%(s)s – lô %(c)s")
                                                  % {"s": steps.STEPS[step].label, "c": lot.code}})


@requires(COOPERATIVE)
def lot_recall(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    services.check_manage(request.user, lot.product.producer)  # members see the lot, managers recall it
    form = forms.RecallForm(request.POST or None, initial={
        "reason": lot.recall_reason, "return_to": lot.recall_return_to, "hotline": lot.recall_hotline})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("cancel"):
                services.cancel_recall(actor=request.user, lot=lot)
            else:
                services.recall_lot(actor=request.user, lot=lot, reason=form.cleaned_data["reason"],
                                    return_to=form.cleaned_data["return_to"], hotline=form.cleaned_data["hotline"])
        except ValidationError as exc:
            forms.add_errors(form, exc)
        else:
            messages.success(request, _("Đã cập nhật tình trạng thu hồi của lô %(c)s.") % {"c": lot.code})
            return redirect("resolver:lot_detail", pk=lot.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("Thu hồi lô %(c)s") % {"c": lot.code}})


@requires(COOPERATIVE)
def link_add(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    services.check_manage(request.user, lot.product.producer)  # members see the lot, managers link it
    form = forms.LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        scope = data.pop("scope")
        try:
            services.add_link(actor=request.user, product=lot.product, lot=lot if scope == "lot" else None, **data)
        except ValidationError as exc:
            forms.add_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm liên kết."))
            return redirect("resolver:lot_detail", pk=lot.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("Thêm liên kết Digital Link")})


@requires(COOPERATIVE)
def link_delete(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    link = Link.objects.filter(pk=pk, product__in=registry_queries.scope_products(request.user)) \
        .select_related("product__producer").first()
    if link is None:
        raise Http404
    lot_id = request.POST.get("lot")
    services.delete_link(actor=request.user, link=link)
    messages.success(request, _("Đã xóa liên kết."))
    return redirect("resolver:lot_detail", pk=lot_id) if lot_id and lot_id.isdigit() else redirect("resolver:lot_list")


@requires(COOPERATIVE)
def print_create(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    form = forms.PrintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from . import labels

        try:
            run = services.create_print_run(actor=request.user, lot=lot, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_errors(form, exc)
        else:
            labels.start(run)
            return redirect("resolver:print_detail", pk=run.pk)
    return render(request, "resolver/form.html", {"form": form, "title": _("In nhãn cho lô %(c)s") % {"c": lot.code}})


@requires(COOPERATIVE)
def print_detail(request, pk: int):
    run = queries.access_print_run(request.user, pk)
    return render(request, "resolver/print_detail.html", {"run": run})


@requires(COOPERATIVE)
def print_pdf(request, pk: int):
    run = queries.access_print_run(request.user, pk)
    if run.status != PrintRun.Status.DONE or not run.pdf:
        raise Http404
    response = HttpResponse(run.pdf.open("rb").read(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="nhan-{run.lot.code}-{run.pk}.pdf"'
    services.record_labels_download(actor=request.user, run=run)
    return response


@requires(COOPERATIVE)
def stats(request):
    spool.flush()  # this host's spooled scans (the minute job stores every host's)
    scans.check_new_scans()
    scope = queries.scope_scans(request.user)
    days = scans.daily_counts(scope)
    peak = max([n for _d, n in days] + [1])
    return render(request, "resolver/stats.html", {
        "days": [(d, n, round(100 * n / peak)) for d, n in days],
        "bars": [{"x": i * 10, "h": round(100 * n / peak), "y": 100 - round(100 * n / peak), "d": d, "n": n}
                 for i, (d, n) in enumerate(days)],
        "summary": queries.scan_summary(request.user),
        "total": sum(n for _d, n in days),
        "odd": scope.exclude(flags=[]).select_related("product", "lot").order_by("-scanned_at")[:20],
    })


@requires(COOPERATIVE)
def lot_export(request, pk: int):
    lot = queries.access_lot(request.user, pk)
    body = export.lot_record(lot, site=resolver.root(request))
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="truy-xuat-{lot.product.gtin}-{lot.code}.json"'
    services.record_lot_export(actor=request.user, lot=lot)
    return response


@requires(COOPERATIVE)
def assign_gtin(request, product_pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    product = registry_queries.scope_products(request.user).select_related("producer").filter(pk=product_pk).first()
    if product is None:
        raise Http404
    services.check_manage(request.user, product.producer)  # a member sees the product: 403, not a message
    try:
        gtin = services.assign_gtin(actor=request.user, product=product)
    except ValidationError as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Đã cấp mã GTIN %(g)s cho %(p)s.") % {"g": gs1.display_gtin(gtin), "p": product.name})
    return redirect("resolver:lot_list")

