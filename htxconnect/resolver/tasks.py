"""Background work of the resolver: flagging new scans, rendering large label runs.

Each task is defined beside the service it runs, so the service can queue it without importing
this module (no cycle); they are listed here so the app's tasks are found in one place.
"""

from .labels import render_labels_task
from .scans import check_new_scans_task

__all__ = ["check_new_scans_task", "render_labels_task"]
