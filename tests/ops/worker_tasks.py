"""Tasks that the worker tests enqueue: the real label task, whose first attempt is killed mid-render.

A worker process started by a test imports this module by the task's path (the worker runs from
the project's root, where `tests` is a package). `kill` says which process dies at the first page:
"task" — the process running the task (an RQ work-horse, or django-tasks-db's worker itself);
"worker" — also the RQ worker that forked the work-horse, as when the whole service is killed.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from django_tasks import task

from htxconnect.resolver import labels


@task(queue_name="labels")
def render_labels_killed_once(print_run_id: int, marker: str, kill: str = "task") -> str:
    if not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        render = labels.render

        def render_and_die(items, layout, progress=None):
            def at_page(percent):
                if progress is not None:
                    progress(percent)  # the run shows progress, so the kill lands mid-task
                if kill == "worker" and os.environ.get("RQ_WORKER_ID"):  # only an RQ work-horse has that parent
                    os.kill(os.getppid(), signal.SIGKILL)
                os.kill(os.getpid(), signal.SIGKILL)

            return render(items, layout, progress=at_page)

        labels.render = render_and_die  # this process dies with it
    return labels.render_labels_task.call(print_run_id)
