"""Excel import of the registry (organisations, products, certifications): template, content
checks, preview with errors by row and column, old-address conversion, duplicate detection and
an all-or-nothing commit. Entry points: pipeline.preview_file / run_check / run_commit,
template.build_template; the web pages in registry/import_views.py, the command
`registry_import`."""
