"""Background work of the trace app: capturing large EPCIS documents, notifying subscriptions.

Each task is defined beside the service it runs, so the service can queue it without importing
this module (no cycle); they are listed here so the app's tasks are found in one place.
"""

from htxconnect.trace.epcis.capture import capture_task
from htxconnect.trace.epcis.subscriptions import deliver_task, notify_task

__all__ = ["capture_task", "deliver_task", "notify_task"]
