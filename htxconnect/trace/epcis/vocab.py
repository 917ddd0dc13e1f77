"""CBV vocabulary: business steps and dispositions in their short and URI forms; event types."""

from __future__ import annotations

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")

BIZ_STEPS = frozenset("""accepting arriving assembling collecting commissioning consigning creating_class_instance
cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding
inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing
reserving retail_selling shipping staging_outbound stock_taking stocking storing transporting unloading unpacking
void_shipping sensor_reporting sampling""".split())

DISPOSITIONS = frozenset("""active container_closed damaged destroyed dispensed disposed encoded expired in_progress
in_transit inactive no_pedigree_match non_sellable_other partially_dispensed recalled reserved retail_sold returned
sellable_accessible sellable_not_accessible stolen unknown available completeness_verified completeness_inferred
conformant container_open mismatch_instance mismatch_class mismatch_quantity needs_replacement non_conformant
unavailable""".split())

# The URI spellings of a CBV value: EPCIS 1.x URNs, CBV 2.0 web URIs, the GS1 Web Vocabulary.
_BIZ_STEP_PREFIXES = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-",
                      "http://ref.gs1.org/cbv/BizStep-", "https://gs1.org/voc/BizStep-", "cbv:BizStep-")
_DISPOSITION_PREFIXES = ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-",
                         "http://ref.gs1.org/cbv/Disp-", "https://gs1.org/voc/Disp-", "cbv:Disp-")


def _short(value: str, prefixes, known) -> str:
    if value in known:  # already short, as most captures send them
        return value
    value = (value or "").strip()
    for prefix in prefixes:
        if value.startswith(prefix) and value[len(prefix):] in known:
            return value[len(prefix):]
    return value


def normalize_biz_step(value: str) -> str:
    """`urn:epcglobal:cbv:bizstep:shipping`, `https://ref.gs1.org/cbv/BizStep-shipping` → `shipping`."""
    return _short(value, _BIZ_STEP_PREFIXES, BIZ_STEPS)


def normalize_disposition(value: str) -> str:
    return _short(value, _DISPOSITION_PREFIXES, DISPOSITIONS)


def is_known_event_type(value) -> bool:
    """One of the five standard types, or an extension type named by a URI or CURIE."""
    return isinstance(value, str) and (value in EVENT_TYPES or (":" in value and " " not in value))
