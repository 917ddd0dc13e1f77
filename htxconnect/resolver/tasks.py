"""Background work of the resolver: flushing buffered scans, rendering large label runs."""

from django_tasks import task


@task()
def flush_scans_task() -> int:
    from .scans import flush_scans

    return flush_scans()


@task()
def render_labels_task(print_run_id: int) -> str:
    """Render a print run's PDF (safe to retry: a finished run is left alone)."""
    from .labels import render_print_run

    run = render_print_run(print_run_id)
    return run.status if run is not None else "missing"
