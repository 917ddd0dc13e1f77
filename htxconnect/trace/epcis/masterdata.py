"""Master data (EPCIS 2.0 §6.5, §7.1.2): the vocabulary elements a capture document's header
carries, kept per sender, and the place hierarchy WD_readPoint / WD_bizLocation walk.

An element's `children` name its direct descendants; "with descendants" follows them to any
depth (a cycle in the data is walked once). Only the master data of senders whose events the
querying account may read is used, so one account cannot reshape another's queries.
"""

from __future__ import annotations

from htxconnect.core.identifiers import canonical_epc

VTYPE_PREFIXES = ("urn:epcglobal:epcis:vtype:", "https://ref.gs1.org/epcis/vtype/", "epcis:vtype:")
READ_POINT = "urn:epcglobal:epcis:vtype:ReadPoint"
BUSINESS_LOCATION = "urn:epcglobal:epcis:vtype:BusinessLocation"
MAX_ELEMENTS = 10000


def vocabulary_type(value: str) -> str:
    value = (value or "").strip()
    for prefix in VTYPE_PREFIXES:
        if value.startswith(prefix):
            return "urn:epcglobal:epcis:vtype:" + value[len(prefix):]
    return value


def master_data_of(document) -> list[tuple[str, str, list, list]]:
    """(vocabulary type, canonical element id, attributes, canonical children) from a document."""
    header = document.get("epcisHeader") if isinstance(document, dict) else None
    master = header.get("epcisMasterData") if isinstance(header, dict) else None
    vocabularies = master.get("vocabularyList") if isinstance(master, dict) else None
    found = []
    for vocabulary in vocabularies if isinstance(vocabularies, list) else []:
        if not isinstance(vocabulary, dict) or not isinstance(vocabulary.get("type"), str):
            continue
        vtype = vocabulary_type(vocabulary["type"])
        for element in vocabulary.get("vocabularyElementList") or []:
            if not isinstance(element, dict) or not isinstance(element.get("id"), str):
                continue
            children = [canonical_epc(c) for c in element.get("children") or [] if isinstance(c, str)]
            attributes = element.get("attributes") if isinstance(element.get("attributes"), list) else []
            found.append((vtype, canonical_epc(element["id"])[:512], attributes, children))
    return found[:MAX_ELEMENTS]


def store_master_data(document, *, owner) -> int:
    """Record (replace) the sender's master data carried by `document`; inside the capture's transaction."""
    from htxconnect.trace.models import EPCISVocabularyElement

    stored = 0
    for vtype, element, attributes, children in master_data_of(document):
        EPCISVocabularyElement.objects.update_or_create(
            owner=owner, vocabulary=vtype, element=element,
            defaults={"attributes": attributes, "children": children})
        stored += 1
    return stored


def with_descendants(values: list[str], vocabulary: str, owners=None) -> set[str]:
    """The canonical ids `values` and all their descendants in `vocabulary` (master data of `owners`:
    a queryset or list of user ids; None means no master data is used)."""
    from htxconnect.trace.models import EPCISVocabularyElement

    found = {canonical_epc(v) for v in values}
    if owners is None:
        return found
    frontier = set(found)
    elements = EPCISVocabularyElement.objects.filter(vocabulary=vocabulary, owner__in=owners)
    while frontier and len(found) < MAX_ELEMENTS:
        children = set()
        for child_list in elements.filter(element__in=frontier).values_list("children", flat=True):
            children.update(c for c in child_list or [] if isinstance(c, str))
        frontier = children - found
        found |= frontier
    return found
