"""The GS1 Digital Link resolver's logic: parse a request path, gather the links of each level,
pick one (link type, language) or build the linkset (RFC 9264).

Rules followed (GS1-Conformant Resolver standard 1.x, GS1 Digital Link URI syntax 1.4):
- `/01/{gtin}` with optional qualifiers `/22/{cpv}`, `/10/{lot}`, `/21/{serial}` in that order;
  GTIN-8/12/13 are accepted and normalised to GTIN-14 (the canonical URI goes in an
  `owl:sameAs` Link header); data attributes (17 expiry, 3103 net weight…) come as query
  parameters. Values are checked against GS1's AI table by `core.identifiers` (the one GS1
  identifiers module, on biip); unknown AIs are refused.
- Links are looked up at each level, most specific first (serial → lot → GTIN): a lot or serial
  without links of its own uses its GTIN's. A lot's recall shows as `gs1:recallStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from htxconnect.registry.models import Product
from htxconnect.core import identifiers as gs1

from .models import Link, Lot

VOC = "https://gs1.org/voc/"
# The GS1 Web Vocabulary is published under both addresses (and was under http:); a request may
# name a link type by any of them (GS1-Conformant Resolver 1.2, section 2.14).
VOC_NAMESPACES = ("https://gs1.org/voc/", "https://ref.gs1.org/voc/", "http://gs1.org/voc/", "http://ref.gs1.org/voc/",
                  "https://www.gs1.org/voc/")
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
QUALIFIERS = ("22", "10", "21")
RESERVED_PARAMS = {"linkType", "linktype", "context", "lang"}


class ResolverError(Exception):
    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    gtin: str
    given_gtin: str
    qualifiers: dict
    attributes: dict
    extra: dict  # other query parameters (passed on when redirecting)

    @property
    def lot(self):
        return self.qualifiers.get("10")

    @property
    def serial(self):
        return self.qualifiers.get("21")

    def path(self, upto: str | None = None) -> str:
        """The canonical path, optionally cut after qualifier `upto` (None: all)."""
        text = f"/01/{self.gtin}"
        for ai in QUALIFIERS:
            if ai in self.qualifiers:
                text += f"/{ai}/{quote(self.qualifiers[ai], safe=gs1._SAFE)}"
            if ai == upto:
                break
        return text


def parse(rest: str, query) -> Request:
    """`rest` is the path after `/01/` (percent-decoded by Django); `query` the QueryDict."""
    segments = [s for s in rest.split("/")]
    while segments and segments[-1] == "":
        segments.pop()  # trailing slash tolerated
    if not segments or not segments[0]:
        raise ResolverError(_("Thiếu mã GTIN sau /01/ (GTIN missing after /01/)."))
    given = segments[0]
    if not given.isdigit():
        raise ResolverError(_("GTIN “%(v)s” chỉ được chứa chữ số (a GTIN contains digits only).") % {"v": given})
    if len(given) not in gs1.GTIN_LENGTHS:
        raise ResolverError(_("GTIN “%(v)s” có %(n)d chữ số; GTIN hợp lệ có 8, 12, 13 hoặc 14 chữ số "
                              "(a GTIN has 8, 12, 13 or 14 digits).") % {"v": given, "n": len(given)})
    try:
        gtin = gs1.validate_gtin(given)
    except gs1.CheckDigitError as exc:
        raise ResolverError(_("GTIN “%(v)s” sai chữ số kiểm tra: chữ số cuối phải là %(e)s, không phải %(f)s "
                              "(wrong check digit: expected %(e)s).")
                            % {"v": given, "e": exc.expected, "f": exc.found}) from exc
    except gs1.GS1Error as exc:
        raise ResolverError(str(exc)) from exc
    rest_segments = segments[1:]
    if len(rest_segments) % 2:
        raise ResolverError(_("Thiếu giá trị sau mã AI “%(ai)s” (value missing after the last AI).")
                            % {"ai": rest_segments[-1]})
    qualifiers: dict[str, str] = {}
    last = -1
    for i in range(0, len(rest_segments), 2):
        ai, value = rest_segments[i], rest_segments[i + 1]
        if ai not in QUALIFIERS:
            raise ResolverError(_("AI “%(ai)s” không được hỗ trợ trong đường dẫn sau GTIN; chỉ dùng 22, 10 (lô), "
                                  "21 (sê-ri) (unsupported AI in the path).") % {"ai": ai})
        if QUALIFIERS.index(ai) <= last:
            raise ResolverError(_("Các AI phải theo thứ tự 22, 10, 21 (qualifiers out of order)."))
        last = QUALIFIERS.index(ai)
        qualifiers[ai] = value
    attributes, extra = {}, {}
    for key in query:
        value = query.get(key, "")
        if key.isdigit():
            if gs1.application_identifier(key) is None:
                raise ResolverError(_("AI “%(ai)s” không có trong bảng AI của GS1 (unknown AI).") % {"ai": key})
            attributes[key] = value
        elif key not in RESERVED_PARAMS:
            extra[key] = value
    # Values of qualifiers and data attributes against GS1's AI table, through the one identifiers
    # module (biip): lengths, character sets, dates.
    uri = "https://resolver.invalid" + Request(gtin, given, qualifiers, {}, {}).path()
    if attributes:
        uri += "?" + urlencode(attributes)
    try:
        gs1.parse_digital_link(uri)
    except ValueError as exc:  # GS1Error, and biip's own value errors
        raise ResolverError(_("Giá trị không hợp lệ theo bảng AI của GS1 (invalid value): %(e)s") % {"e": exc}) from exc
    return Request(gtin=gtin, given_gtin=given, qualifiers=qualifiers, attributes=attributes, extra=extra)


def normalise_link_type(value: str) -> str:
    """`gs1:pip`, `pip`, `https://gs1.org/voc/pip` or `https://ref.gs1.org/voc/pip` → `gs1:pip`;
    `all`/`linkset` kept."""
    value = (value or "").strip()
    if value in ("all", "linkset"):
        return value
    for namespace in VOC_NAMESPACES:
        if value.startswith(namespace):
            return "gs1:" + value[len(namespace):]
    if value and ":" not in value:
        return "gs1:" + value
    return value


def uri_of(link_type: str) -> str:
    return VOC + link_type[4:] if link_type.startswith("gs1:") else link_type


# --- Looking up -----------------------------------------------------------------------------------


@dataclass
class Target:
    link_type: str
    href: str
    title: str
    language: str = "vi"
    media_type: str = "text/html"
    is_default: bool = False


@dataclass
class Resolved:
    request: Request
    product: Product
    lot: Lot | None
    levels: list = field(default_factory=list)  # [(anchor path, [Target])], most specific first


def root(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def lookup(parsed: Request) -> tuple[Product | None, Lot | None]:
    product = Product.objects.select_related("producer").filter(gtin=parsed.gtin, is_public=True).first()
    if product is None:
        return None, None
    lot = None
    if parsed.lot is not None:
        lot = Lot.objects.filter(product=product, code=parsed.lot, is_public=True).first()
    return product, lot


def _implicit_links(site: str, product: Product, lot: Lot | None, *, with_default: bool = True) -> list[Target]:
    """Links the platform provides itself: the scan page (default, unless the level has an
    explicit default link), pip, traceability, recall."""
    if lot is not None:
        page = site + reverse("resolver:scan_lot", args=[product.gtin, lot.code])
    else:
        page = site + reverse("resolver:scan_product", args=[product.gtin])
    links = [Target("gs1:defaultLink", page, _("Thông tin sản phẩm và nguồn gốc"), language="", media_type="",
                    is_default=True)] if with_default else []
    links.append(Target("gs1:pip", page, product.name))
    if lot is not None:
        links.append(Target("gs1:traceability", page + "#journey", _("Hành trình của lô %(c)s") % {"c": lot.code}))
        if lot.recalled_at:
            title = _("ĐÃ THU HỒI: %(r)s") % {"r": lot.recall_reason}
        else:
            title = _("Lô %(c)s không bị thu hồi") % {"c": lot.code}
        links.append(Target("gs1:recallStatus", page + "#recall", title))
    return links


def _targets(rows) -> list[Target]:
    return [Target(r.link_type, r.target_url, r.title, r.language, r.media_type, r.is_default) for r in rows]


def gather(request, parsed: Request, product: Product, lot: Lot | None) -> Resolved:
    """The links of each level (lot, GTIN); explicit links first, the platform's implicit ones after."""
    site = root(request)
    rows = list(Link.objects.filter(product=product).filter(lot__isnull=True) |
                (Link.objects.filter(lot=lot) if lot is not None else Link.objects.none()))
    product_rows = [r for r in rows if r.lot_id is None]
    lot_rows = [r for r in rows if r.lot_id is not None]
    resolved = Resolved(parsed, product, lot)
    if lot is not None:
        explicit = _targets(lot_rows)
        resolved.levels.append((parsed.path("10"), explicit + _implicit_links(
            site, product, lot, with_default=not _has_default(explicit))))
    explicit = _targets(product_rows)
    resolved.levels.append((f"/01/{parsed.gtin}", explicit + _implicit_links(
        site, product, None, with_default=not _has_default(explicit))))
    return resolved


def _has_default(targets: list[Target]) -> bool:
    return any(t.is_default or t.link_type == "gs1:defaultLink" for t in targets)


def default_of(targets: list[Target]) -> Target | None:
    """The one default link of a level: the first explicit one, else the platform's scan page."""
    return next((t for t in targets if t.is_default or t.link_type == "gs1:defaultLink"), None)


def choose(resolved: Resolved, link_type: str | None, languages: list[str]) -> Target | None:
    """The link to redirect to: without a link type, the default link of the most specific
    level; with one, that type at the most specific level that has it (best language match) —
    or None when no level has it, which the view answers with 404 (GS1-Conformant Resolver 1.2:
    "If the requested type of link is not available, the resolver SHALL return a 404")."""
    wanted = normalise_link_type(link_type) if link_type else "gs1:defaultLink"
    for _anchor, targets in resolved.levels:
        if wanted == "gs1:defaultLink":
            found = default_of(targets)
            if found is not None:
                return found
            continue
        matches = [t for t in targets if t.link_type == wanted]
        if matches:
            return _by_language(matches, languages)
    return None


def available_link_types(resolved: Resolved) -> list[str]:
    seen: list[str] = []
    for _anchor, targets in resolved.levels:
        for t in targets:
            if t.link_type not in seen:
                seen.append(t.link_type)
    return seen


def _by_language(targets: list[Target], languages: list[str]) -> Target:
    for lang in languages:
        for t in targets:
            if t.language and (t.language.lower() == lang or t.language.lower().split("-")[0] == lang.split("-")[0]):
                return t
    return targets[0]


def accept_languages(header: str) -> list[str]:
    """Accept-Language tags in preference order (q-values honoured)."""
    items = []
    for i, part in enumerate((header or "").split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        if not tag or tag == "*":
            continue
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        items.append((-q, i, tag))
    return [tag for _q, _i, tag in sorted(items)]


def linkset(resolved: Resolved, site: str) -> dict:
    """RFC 9264 JSON linkset: one context object per level (lot, then GTIN), link types as URIs.

    Each object carries `anchor` and `itemDescription` (both required by GS1's linkset schema)
    and exactly one `gs1:defaultLink` with a title and no other attribute (GS1-Conformant
    Resolver 1.2: "This default is defined without any of the optional attributes, that is, it
    SHALL include a title, but SHALL NOT include other attributes"). An explicit default link is
    also listed, with its attributes, under its own link type."""
    body = []
    product = resolved.product
    for anchor, targets in resolved.levels:
        if anchor == f"/01/{resolved.request.gtin}":
            description_text = product.name
        else:
            description_text = _("%(p)s, lô %(c)s") % {"p": product.name, "c": resolved.lot.code}
        context: dict = {"anchor": site + anchor, "itemDescription": description_text}
        default = default_of(targets)
        if default is not None:
            context[VOC + "defaultLink"] = [{"href": default.href, "title": default.title}]
        for t in targets:
            if t.link_type == "gs1:defaultLink":
                continue  # given once above, without attributes
            entry = {"href": t.href, "title": t.title}
            if t.media_type:
                entry["type"] = t.media_type
            if t.language:
                entry["hreflang"] = [t.language]
            context.setdefault(uri_of(t.link_type), []).append(entry)
        body.append(context)
    return {"linkset": body}


def with_query(url: str, params: dict) -> str:
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


def description(site: str) -> dict:
    """The /.well-known/gs1resolver document, with the property names of GS1's description-file
    schema (GS1-Conformant Resolver 1.2, section 3)."""
    return {
        "name": "HTX Connect GS1 Digital Link resolver",
        "resolverRoot": site,
        "supportedPrimaryKeys": ["01"],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedLinkType": [{"namespace": VOC, "prefix": "gs1:"}],
        "supportedContextValuesEnumerated": [],
        "jsonLdContextLocation": LINKSET_CONTEXT,
        "contact": {"fn": "HTX Connect", "hasURL": site + "/"},
    }
