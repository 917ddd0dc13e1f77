"""Which records an import row is: duplicates (in the registry or earlier in the file) and the
references between sheets (a product's producer, a certification's holder and product, an OCOP
rating's product). A `Matcher` holds the database look-ups of one pass, so rows that name the
same organisation share one query and nothing outlives the pass."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from htxconnect.core.actors import is_system
from htxconnect.core.text import fold

from .. import queries
from ..models import Certification, OcopRating, Organization, Product
from . import columns as C
from .rows import CREATE, MERGE, SKIP, Duplicate, Preview, Ref, Row, ref_key

# Two names in the same ward (or province, when the ward is not known) are taken for the same
# organisation from this rapidfuzz token_sort_ratio on; below it they are different.
FUZZY_THRESHOLD = 90

_ORG_PREFIXES = [
    ("lien hiep hop tac xa", "lhhtx"), ("hop tac xa", "htx"), ("to hop tac", "tht"),
    ("cong ty trach nhiem huu han", "cty tnhh"), ("cong ty co phan", "cty cp"), ("cong ty", "cty"),
]


_LEGAL_FORM = r"^(lhhtx|htx|tht|cty tnhh|cty cp|cty)\s+"


def name_key(name: str) -> str:
    """A folded name for comparison: "Hợp tác xã Nông nghiệp Phú An" ~ "HTX nong nghiep Phu An"."""
    text = fold(name)
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for long, short in _ORG_PREFIXES:
        text = re.sub(rf"\b{long}\b", short, text)
    return text


def _numbers(key: str) -> list[str]:
    return re.findall(r"\d+", key)


def similarity(a: str, b: str) -> int:
    """0–100; names whose numbers differ are never similar ("Tổ 1" ≠ "Tổ 2")."""
    ka, kb = name_key(a), name_key(b)
    if _numbers(ka) != _numbers(kb):
        return 0
    return int(round(fuzz.token_sort_ratio(ka, kb)))


# --- options a row offers ------------------------------------------------------------------------


def default_options(row: Row) -> tuple[list[str], str]:
    """What the user may do with a row given its duplicate, and the default."""
    dup = row["duplicate"]
    if dup is None:
        return [CREATE, SKIP], CREATE
    if dup["kind"] == "file" or not dup.get("editable", True):
        return [SKIP], SKIP
    if dup["kind"] == "name":
        return [MERGE, CREATE, SKIP], MERGE
    return [MERGE, SKIP], MERGE


def keep_choice(row: Row, options: list[str], default: str) -> None:
    row["options"] = options
    if row["action"] not in options:
        row["action"] = default


def clear(row: Row) -> None:
    row["options"], row["action"], row["duplicate"] = [], "", None


# --- organisations (fixed once, when the preview is built) ---------------------------------------


def organization_duplicates(preview: Preview, actor) -> None:
    """Same tax code in the database or earlier in the file, or a name close to one in the same
    ward (or province when no ward is known)."""
    rows = [r for r in preview["sheets"].get("organizations", []) if not r["errors"]]
    tax_codes = [r["values"]["tax_code"] for r in rows if r["values"].get("tax_code")]
    by_tax = {}
    for start in range(0, len(tax_codes), 500):
        for org in Organization.objects.filter(tax_code__in=tax_codes[start:start + 500]).only(
                "id", "name", "tax_code", "province_code", "ward_code"):
            by_tax[org.tax_code] = org
    provinces = {r["address"]["province_code"] for r in rows if r["address"] and r["address"]["province_code"]}
    by_place: dict[str, tuple[list, list]] = {}
    for org in Organization.objects.filter(province_code__in=provinces).only(
            "id", "name", "tax_code", "province_code", "ward_code"):
        key = name_key(org.name)
        for place in (f"w:{org.ward_code}", f"p:{org.province_code}"):
            keys, orgs = by_place.setdefault(place, ([], []))
            keys.append(key)
            orgs.append(org)
    seen_tax, seen_name = {}, {}
    for row in rows:
        values, address = row["values"], row["address"] or {}
        tax = values.get("tax_code")
        place = f"w:{address['ward_code']}" if address.get("ward_code") else f"p:{address.get('province_code', '')}"
        key = (name_key(values["name"]), place)
        if tax and tax in seen_tax:
            row["duplicate"] = Duplicate(kind="file", row=seen_tax[tax], label=_(
                "Trùng mã số thuế %(t)s với dòng %(n)s của tệp") % {"t": tax, "n": seen_tax[tax]})
            continue
        if not tax and key in seen_name:
            row["duplicate"] = Duplicate(kind="file", row=seen_name[key], label=_(
                "Trùng tên và địa bàn với dòng %(n)s của tệp") % {"n": seen_name[key]})
            continue
        if tax:
            seen_tax[tax] = row["row"]
        seen_name.setdefault(key, row["row"])
        target, kind, score = None, "", 100
        if tax and tax in by_tax:
            target, kind = by_tax[tax], "tax_code"
        elif place in by_place:
            keys, orgs = by_place[place]
            # rapidfuzz compares in C against the precomputed keys; the best few are checked for a
            # conflicting tax code (two different codes are two different organisations).
            for _match, found, index in process.extract(key[0], keys, scorer=fuzz.token_sort_ratio,
                                                         score_cutoff=FUZZY_THRESHOLD, limit=10):
                candidate = orgs[index]
                if tax and candidate.tax_code and candidate.tax_code != tax:
                    continue
                if _numbers(key[0]) != _numbers(keys[index]):
                    continue  # "HTX Bình An 1" and "HTX Bình An 2" are two organisations
                target, kind, score = candidate, "name", int(round(found))
                break
        if target is not None:
            editable = is_system(actor) or queries.can_edit_organization(actor, target)
            label = (_("Trùng mã số thuế với “%(name)s” đã có trong sổ") if kind == "tax_code"
                     else _("Tên gần giống “%(name)s” (giống %(score)s%%) cùng địa bàn, đã có trong sổ")) % {
                "name": target.name, "score": score}
            if not editable:
                label += " — " + _("thuộc địa bàn khác, bạn không cập nhật được")
            row["duplicate"] = Duplicate(kind=kind, target_id=target.pk, target_name=target.name, score=score,
                                         editable=editable, label=label)


# --- an organisation named by a row of another sheet (or another importer) ----------------------


def find_organization(tax: str | None, name: str | None, *, scope) -> tuple[Organization | None, str]:
    """The organisation a row names: by tax code anywhere in the registry, else by exactly the
    same name (name_key: "Hợp tác xã X" = "HTX X") among `scope`. (organisation, "") or (None,
    a Vietnamese message saying why not). Whether the user may act on it is the caller's check."""
    if tax:
        org = Organization.objects.filter(tax_code=tax).only("id", "name", "province_code").first()
        if org is None:
            return None, _("Không tìm thấy đơn vị có %(what)s trong trang Tổ chức của tệp hay trong sổ đăng ký.") % {
                "what": _("mã số thuế %(t)s") % {"t": tax}}
        return org, ""
    folded = name_key(name or "")
    # Every word of the name without its legal form must be in the search text ("Hợp tác xã Hồng
    # Đức" and "HTX Hồng Đức" both look for "hong" and "duc"); the names are then compared exactly.
    words = [w for w in re.sub(_LEGAL_FORM, "", folded).split() if w] or folded.split()
    found = scope
    for word in words[:8]:
        found = found.filter(search_text__contains=word)
    candidates = [o for o in found.only("id", "name", "province_code")[:50] if name_key(o.name) == folded]
    if len(candidates) > 1:
        return None, _("Có %(n)s đơn vị tên “%(name)s”: hãy ghi mã số thuế.") % {"n": len(candidates), "name": name}
    if not candidates:
        return None, _("Không tìm thấy đơn vị có %(what)s trong trang Tổ chức của tệp hay trong sổ đăng ký.") % {
            "what": f"“{name}”"}
    return candidates[0], ""


# --- references and the duplicates that depend on choices ----------------------------------------


class Matcher:
    """One pass of `analyze()`: resolves references between sheets given the current choices and
    remembers its database look-ups for the length of the pass."""

    def __init__(self, preview: Preview, *, actor):
        self.preview = preview
        self.actor = actor
        self._orgs: dict[tuple, Ref | dict] = {}  # ("org", tax or name key) → Ref or {"error": …}
        self._products: dict[int, dict[str, Ref]] = {}  # producer pk → {name key: Ref}
        organizations = preview["sheets"].get("organizations", [])
        self.org_rows: dict = {}
        for row in organizations:
            self.org_rows[("num", row["row"])] = row
            values = row["values"]
            if values.get("tax_code"):
                self.org_rows.setdefault(("tax", values["tax_code"]), row)
            if values.get("name"):
                self.org_rows.setdefault(("name", name_key(values["name"])), row)
        self.product_rows: dict[tuple[str, str], Row] = {}

    # organisations ---------------------------------------------------------------------------

    def organization(self, row: Row, tax_key: str, name_field: str, sheet: C.Sheet) -> Ref | None:
        """{"db": pk} for an organisation already in the registry, {"row": n} for one created by
        this import; None (with a dependent error on the row) when it cannot be found or is not
        imported."""
        values = row["values"]
        tax, name = values.get(tax_key), values.get(name_field)
        header = sheet.column(tax_key if tax else name_field).header
        file_row = self.org_rows.get(("tax", tax)) if tax else self.org_rows.get(("name", name_key(name)))
        seen = set()
        while file_row is not None and file_row["row"] not in seen:
            seen.add(file_row["row"])
            if file_row["errors"]:
                row["dep_errors"].append([header, _("Đơn vị ở dòng %(n)s của trang Tổ chức có lỗi nên không được "
                                                    "nhập.") % {"n": file_row["row"]}])
                return None
            dup = file_row["duplicate"] or {}
            if file_row["action"] == CREATE:
                return Ref(row=file_row["row"], name=file_row["values"]["name"])
            if dup.get("target_id") and file_row["action"] in (MERGE, SKIP):
                return Ref(db=dup["target_id"], name=dup["target_name"])
            if dup.get("kind") == "file":
                file_row = self.org_rows.get(("num", dup["row"]))
                continue
            row["dep_errors"].append([header, _("Đơn vị ở dòng %(n)s của trang Tổ chức được chọn “Bỏ qua”.")
                                      % {"n": file_row["row"]}])
            return None
        key = ("org", tax or name_key(name))
        if key not in self._orgs:
            errors: list = []
            self._orgs[key] = self._lookup_organization(tax, name, header, errors) or {"error": errors[-1][1]}
        found = self._orgs[key]
        if "error" in found:
            row["dep_errors"].append([header, found["error"]])
            return None
        return found

    def _lookup_organization(self, tax, name, header, errors: list) -> Ref | None:
        scope = queries.editable_organizations(self.actor) if not is_system(self.actor) else Organization.objects.all()
        org, message = find_organization(tax, name, scope=scope)
        if org is None:
            errors.append([header, message])
            return None
        if not is_system(self.actor) and not queries.can_edit_organization(self.actor, org):
            errors.append([header, _("Bạn không có quyền cập nhật hồ sơ của “%(name)s”.") % {"name": org.name}])
            return None
        return Ref(db=org.pk, name=org.name)

    # products --------------------------------------------------------------------------------

    def index_product_rows(self, products: list[Row]) -> None:
        self.product_rows = {}
        for row in products:
            if row["errors"] or not row["ref"].get("producer") or row["action"] == "":
                continue
            self.product_rows.setdefault((ref_key(row["ref"]["producer"]), name_key(row["values"]["name"])), row)

    def product(self, row: Row, holder: Ref, name: str, header: str, *, create_missing: bool = False) -> Ref | None:
        """The product `name` of `holder`: a row of the Sản phẩm sheet, a registered product, or
        (for an OCOP list, which names products the registry may not have yet) a new one."""
        file_row = self.product_rows.get((ref_key(holder), name_key(name)))
        if file_row is not None:
            dup = file_row["duplicate"] or {}
            if file_row["action"] == CREATE:
                return Ref(row=file_row["row"], name=file_row["values"]["name"])
            if dup.get("target_id") and file_row["action"] in (MERGE, SKIP):
                return Ref(db=dup["target_id"], name=dup["target_name"])
        if "db" in holder:
            if holder["db"] not in self._products:
                self._products[holder["db"]] = {
                    name_key(p.name): Ref(db=p.pk, name=p.name)
                    for p in Product.objects.filter(producer_id=holder["db"]).only("id", "name")}
            found = self._products[holder["db"]].get(name_key(name))
            if found:
                return found
        if create_missing:
            row["warnings"] = [w for w in row["warnings"] if w[0] != header]
            row["warnings"].append([header, _("Sản phẩm “%(p)s” chưa có trong sổ: sẽ được tạo cho “%(o)s”.") % {
                "p": name, "o": holder["name"]}])
            return Ref(new=name_key(name), name=name)
        row["dep_errors"].append([header, _("Không tìm thấy sản phẩm “%(p)s” của “%(o)s” (trong trang Sản phẩm của "
                                            "tệp hay trong sổ).") % {"p": name, "o": holder["name"]}])
        return None


def product_duplicates(products: list[Row]) -> None:
    live = [r for r in products if not r["errors"] and r["ref"].get("producer")]
    gtins = [r["values"]["gtin"] for r in live if r["values"].get("gtin")]
    by_gtin = {p.gtin: p for p in Product.objects.filter(gtin__in=gtins).select_related("producer").only(
        "id", "name", "gtin", "producer__id", "producer__name")} if gtins else {}
    producer_ids = {r["ref"]["producer"]["db"] for r in live if "db" in r["ref"]["producer"]}
    by_producer: dict[int, list] = {}
    for p in Product.objects.filter(producer_id__in=producer_ids).only("id", "name", "gtin", "producer_id"):
        by_producer.setdefault(p.producer_id, []).append(p)
    seen_gtin, seen_name = {}, {}
    for row in products:
        if row["errors"] or not row["ref"].get("producer"):
            clear(row)
            continue
        values, producer = row["values"], row["ref"]["producer"]
        gtin, key = values.get("gtin"), (ref_key(producer), name_key(values["name"]))
        dup = None
        if gtin and gtin in seen_gtin:
            dup = Duplicate(kind="file", row=seen_gtin[gtin], label=_("Trùng mã GTIN với dòng %(n)s của tệp") % {
                "n": seen_gtin[gtin]})
        elif key in seen_name:
            dup = Duplicate(kind="file", row=seen_name[key], label=_(
                "Trùng tên sản phẩm và đơn vị với dòng %(n)s của tệp") % {"n": seen_name[key]})
        elif gtin and gtin in by_gtin:
            target = by_gtin[gtin]
            dup = Duplicate(kind="gtin", target_id=target.pk, target_name=target.name,
                            label=_("Mã GTIN đã gán cho sản phẩm “%(p)s” của “%(o)s”") % {
                                "p": target.name, "o": target.producer.name})
            if "db" not in producer or target.producer_id != producer["db"]:
                dup["editable"] = False
                dup["label"] += " — " + _("của đơn vị khác, không cập nhật được")
        elif "db" in producer:
            best = None
            for p in by_producer.get(producer["db"], []):
                if gtin and p.gtin and p.gtin != gtin:
                    continue
                s = similarity(values["name"], p.name)
                if s >= FUZZY_THRESHOLD and (best is None or s > best[0]):
                    best = (s, p)
            if best:
                dup = Duplicate(kind="name", target_id=best[1].pk, target_name=best[1].name, score=best[0],
                                label=_("Tên gần giống sản phẩm “%(p)s” (giống %(s)s%%) của cùng đơn vị") % {
                                    "p": best[1].name, "s": best[0]})
        if gtin:
            seen_gtin.setdefault(gtin, row["row"])
        seen_name.setdefault(key, row["row"])
        row["duplicate"] = dup
        keep_choice(row, *default_options(row))


def certification_duplicates(certs: list[Row]) -> None:
    holders = {row["ref"]["organization"]["db"] for row in certs
               if not row["errors"] and row["ref"].get("organization") and "db" in row["ref"]["organization"]}
    existing: dict[int, list] = {}
    for cert in Certification.objects.filter(organization_id__in=holders).only(
            "id", "organization_id", "type", "number", "issue_date", "product_id"):
        existing.setdefault(cert.organization_id, []).append(cert)
    seen = {}
    for row in certs:
        if row["errors"] or not row["ref"].get("organization") or row["dep_errors"]:
            clear(row)
            continue
        values, holder = row["values"], row["ref"]["organization"]
        number = fold(values.get("number", ""))
        key = (ref_key(holder), values["type"], number or values["issue_date"])
        dup = None
        if key in seen:
            dup = Duplicate(kind="file", row=seen[key], label=_("Trùng chứng nhận ở dòng %(n)s của tệp") % {
                "n": seen[key]})
        elif "db" in holder:
            for cert in existing.get(holder["db"], []):
                same = fold(cert.number) == number if number else (
                    not cert.number and cert.issue_date.isoformat() == values["issue_date"])
                if cert.type == values["type"] and same:
                    dup = Duplicate(kind="number", target_id=cert.pk, target_name=str(cert),
                                    label=_("Chứng nhận “%(c)s” của đơn vị này đã có trong sổ") % {"c": cert})
                    break
        seen.setdefault(key, row["row"])
        row["duplicate"] = dup
        keep_choice(row, *default_options(row))


def ocop_duplicates(ratings: list[Row]) -> None:
    """One rating per product and decision: the same decision number for the same product, in the
    registry or earlier in the file, is the same rating (a re-import updates, never duplicates)."""
    products = {row["ref"]["product"]["db"] for row in ratings
                if not row["errors"] and row["ref"].get("product") and "db" in row["ref"]["product"]}
    existing: dict[tuple[int, str], OcopRating] = {}
    for rating in OcopRating.objects.filter(product_id__in=products).only("id", "product_id", "decision_number",
                                                                           "stars"):
        existing.setdefault((rating.product_id, fold(rating.decision_number)), rating)
    seen = {}
    for row in ratings:
        product = row["ref"].get("product")
        if row["errors"] or not product or row["dep_errors"]:
            clear(row)
            continue
        key = (ref_key(product), fold(row["values"]["decision_number"]))
        dup = None
        if key in seen:
            dup = Duplicate(kind="file", row=seen[key], label=_("Trùng sản phẩm và số quyết định với dòng %(n)s của "
                                                                "tệp") % {"n": seen[key]})
        elif "db" in product and (product["db"], key[1]) in existing:
            rating = existing[(product["db"], key[1])]
            dup = Duplicate(kind="number", target_id=rating.pk, target_name=str(rating),
                            label=_("Xếp hạng OCOP theo quyết định %(d)s của sản phẩm này đã có trong sổ") % {
                                "d": row["values"]["decision_number"]})
        seen.setdefault(key, row["row"])
        row["duplicate"] = dup
        keep_choice(row, *default_options(row))
