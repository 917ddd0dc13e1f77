"""The EPCIS 2.0 repository: capture (schema + rules + storage), query, documents, HTTP binding.

Modules: schema (official JSON schema, compiled once), vocab (CBV names, event types),
capture (the write service), query (filters, keyset pages), documents (query documents with
their @context), views (the REST binding at /epcis/).
"""

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
