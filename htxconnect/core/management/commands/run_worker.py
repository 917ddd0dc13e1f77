"""Start a task worker for the given queues, whatever the task backend (TASK_BACKEND).

    manage.py run_worker                      # every queue
    manage.py run_worker capture labels       # only these
    manage.py run_worker reports:labels       # ":" or "," also separate (systemd instance names)
    manage.py run_worker reports --burst      # run what is queued, then exit

database → django-tasks-db's db_worker; rq → an RQ worker (django-rq) with django-tasks-rq's job
class and the scheduler (retries after a delay). Either way the tasks that a killed worker of this
machine left running are first handed back to the queue (core.taskqueue).
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from htxconnect.core import taskqueue
from htxconnect.core.machine import freeze_startup_objects


class Command(BaseCommand):
    help = "Chạy bộ xử lý tác vụ cho các hàng đợi đã cho / run a task worker for the given queues"

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="capture, mail, reports, labels, default (none or * = all)")
        parser.add_argument("--burst", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--interval", type=float, default=1.0, help="database queue: seconds between polls")

    def handle(self, *args, queues, burst, max_tasks, interval, verbosity, **options):
        queues = [name for arg in queues for name in arg.replace(",", ":").split(":") if name]
        try:
            names = taskqueue.check_queue_names(queues)
        except ValueError as error:
            raise CommandError(str(error)) from error
        kind = taskqueue.backend_kind()
        if kind == taskqueue.IMMEDIATE:
            raise CommandError("TASK_BACKEND=immediate chạy tác vụ ngay, không cần bộ xử lý / "
                               "the immediate backend runs tasks at once: there is no queue to work on.")
        requeued = taskqueue.requeue_abandoned(names)
        if requeued:
            self.stderr.write(f"requeued {len(requeued)} task(s) of dead workers: {', '.join(requeued)}")
        freeze_startup_objects()  # a capture task parses thousands of events: keep start-up out of the collections
        if kind == taskqueue.DATABASE:
            call_command("db_worker", queue_name=",".join(names), interval=interval, batch=burst, reload=False,
                         startup_delay=False, max_tasks=max_tasks, worker_id=taskqueue.worker_id(),
                         verbosity=verbosity)
            return
        self._run_rq(names, burst=burst, max_tasks=max_tasks, verbosity=verbosity)

    def _run_rq(self, names, *, burst, max_tasks, verbosity):
        import django_rq
        from django.db import connections
        from rq.logutils import setup_loghandlers

        setup_loghandlers("DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO")
        worker = django_rq.get_worker(*names, job_class="django_tasks_rq.Job",
                                      # Abandoned jobs of other machines: checked every minute, not ten.
                                      maintenance_interval=60)
        connections.close_all()  # the work-horse is forked: it must not share the parent's connection
        worker.work(burst=burst, with_scheduler=True, max_jobs=max_tasks,
                    logging_level="DEBUG" if verbosity >= 2 else "INFO")
