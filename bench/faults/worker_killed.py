"""Fault drill: a task worker SIGKILLed mid-task. The task is retried and its effect happens once.

Runs against the production stack (`make prod-up`, var/prod/stack.json), for three kinds of work:
  - an EPCIS capture job (queue "capture"): a document large enough to be queued;
  - a label run (queue "labels"): thousands of labels, rendered page by page;
  - a report generation (queue "reports").
For each it enqueues the work through the application's own services, waits until the worker is
visibly in the middle of it (job claimed, progress written), SIGKILLs the worker process running
it (with RQ: the worker and its work-horse, as when the whole service is killed; `--kill horse`
kills only the work-horse, as the OOM killer would), restarts the stack's workers
(`scripts/prodstack.py up`, which restores what was killed), and waits for the outcome. Then it
checks the effect happened exactly once: events stored once and one audit entry for the capture,
one PDF for the label run, one set of files and one audit entry for the report.

    python bench/faults/worker_killed.py [--only capture,labels,reports] [--kill worker|horse]

Exit status: 0 when every case held, 1 when one did not, 2 when the stack is not running.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "var" / "prod" / "stack.json"


def load_stack() -> dict:
    if not STACK.exists():
        print(f"Chưa có {STACK.relative_to(ROOT)}: hãy chạy `make prod-up` trước. / "
              f"The production stack is not running: run `make prod-up` first.")
        sys.exit(2)
    return json.loads(STACK.read_text())


def setup_django(stack: dict) -> None:
    os.environ.update(stack["env"])
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
    import django

    django.setup()


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- processes -----------------------------------------------------------------------------------------


def is_work_horse(pid: int) -> bool:
    """RQ's work-horse puts itself in a process group of its own (os.setpgrp), unlike the scheduler."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def running_process(stack: dict, queue: str, task_id: str) -> tuple[int, list[int]]:
    """(the worker's pid, its children) for the worker running task `task_id`."""
    from htxconnect.core import machine, taskqueue

    if taskqueue.backend_kind() == taskqueue.RQ:
        import django_rq
        from rq.job import Job
        from rq.worker import Worker

        connection = django_rq.get_connection(queue)
        job = Job.fetch(task_id, connection=connection)
        worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection)
        return worker.pid, [worker.pid, *machine.children(worker.pid)]
    from django_tasks_db.models import DBTaskResult

    worker_id = DBTaskResult.objects.get(pk=task_id).worker_ids[-1]
    pid = int(worker_id.split(":")[-2])
    return pid, [pid]


def restart_workers() -> float:
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "prodstack.py"), "up"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        say("prodstack up failed:\n" + result.stdout[-2000:] + result.stderr[-2000:])
    return time.monotonic() - started


def wait_for(check, timeout: float, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return None


# --- the three kinds of work ---------------------------------------------------------------------------


def admin_user():
    from htxconnect.accounts.models import User

    return User.objects.filter(role="admin", is_active=True).order_by("pk").first()


class Capture:
    name, queue = "capture (EPCIS)", "capture"

    def __init__(self, events: int):
        self.events = events

    def start(self):
        from django.db import transaction

        from htxconnect.trace.epcis.capture import receive_document

        self.ids = [f"urn:uuid:{uuid.uuid4()}" for _ in range(self.events)]
        document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                    "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-27T10:00:00Z",
                    "epcisBody": {"eventList": [
                        {"type": "ObjectEvent", "eventID": event_id, "eventTime": "2026-11-27T10:00:00Z",
                         "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
                         "epcList": [f"urn:epc:id:sgtin:8934567.012345.{k}"]}
                        for k, event_id in enumerate(self.ids)]}}
        with transaction.atomic():
            self.job = receive_document(document, user=admin_user())
        say(f"{self.name}: job {self.job.pk}, {self.events} events, queued")

    def task_id(self):
        return self._task_id_from_queue("htxconnect.trace.epcis.capture.capture_task", str(self.job.pk))

    def _task_id_from_queue(self, path, arg):
        return find_task(self.queue, path, arg)

    def mid_task(self):
        from htxconnect.trace.models import CaptureJob

        job = CaptureJob.objects.get(pk=self.job.pk)
        return job.claimed_at is not None and job.status == CaptureJob.Status.RUNNING

    def done(self):
        from htxconnect.trace.models import CaptureJob

        return CaptureJob.objects.get(pk=self.job.pk).status != CaptureJob.Status.RUNNING

    def effect(self) -> tuple[bool, str]:
        from htxconnect.core.models import AuditEntry
        from htxconnect.trace.models import CaptureJob, EPCISEvent

        job = CaptureJob.objects.get(pk=self.job.pk)
        stored = EPCISEvent.objects.filter(event_id__in=self.ids).count()
        audits = AuditEntry.objects.filter(action="trace.epcis.captured", object_id=str(job.pk)).count()
        ok = job.status == CaptureJob.Status.SUCCESS and stored == self.events and job.stored_count == self.events \
            and audits == 1
        return ok, (f"status {job.status}, events stored {stored}/{self.events} (job says {job.stored_count}, "
                    f"duplicates {job.duplicate_count}), audit entries {audits}")


class Labels:
    name, queue = "label run", "labels"

    def __init__(self, count: int):
        self.count = count

    def start(self):
        from django.db import transaction

        from htxconnect.core.actors import SYSTEM
        from htxconnect.resolver import labels, services
        from htxconnect.resolver.models import Lot

        lot = Lot.objects.filter(product__gtin__gt="").select_related("product").order_by("pk").first()
        if lot is None:
            raise SystemExit("no lot with a GTIN in the stack's database (make prod-up loads the demo data)")
        with transaction.atomic():
            self.run = services.create_print_run(actor=SYSTEM, lot=lot, layout="a4_3x8", count=self.count)
            labels.start(self.run)
        say(f"{self.name}: print run {self.run.pk}, {self.count} labels of lot {lot.code}, queued")

    def task_id(self):
        return find_task(self.queue, "htxconnect.resolver.labels.render_labels_task", self.run.pk)

    def mid_task(self):
        from htxconnect.resolver.models import PrintRun

        return PrintRun.objects.filter(pk=self.run.pk, progress__gt=0, status=PrintRun.Status.PENDING).exists()

    def done(self):
        from htxconnect.resolver.models import PrintRun

        return PrintRun.objects.get(pk=self.run.pk).status != PrintRun.Status.PENDING

    def effect(self):
        from django.conf import settings

        from htxconnect.resolver.models import PrintRun

        run = PrintRun.objects.get(pk=self.run.pk)
        # nhan-<lot>-<run>.pdf (resolver.labels), or with the storage's "_abc1234" suffix of a second copy
        own = re.compile(rf"nhan-{re.escape(run.lot.code)}-{run.pk}(_[A-Za-z0-9]{{7}})?\.pdf")
        files = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("nhan-*.pdf") if own.fullmatch(p.name))
        pdf = Path(settings.MEDIA_ROOT) / run.pdf.name if run.pdf else None
        ok = run.status == PrintRun.Status.DONE and len(files) == 1 and pdf is not None and pdf.exists()
        return ok, f"status {run.status}, PDF files for the run: {files}"


class Reports:
    name, queue = "report generation", "reports"

    def start(self):
        import datetime

        from htxconnect.programs.models import Program
        from htxconnect.reports import services
        from htxconnect.reports.models import Report

        actor = admin_user()
        program = Program.objects.order_by("pk").first()
        year = datetime.date.today().year
        self.report = services.create_report(
            actor=actor, program=program, agency=None if program else actor.agency, kind=Report.Kind.ANNUAL,
            period_start=datetime.date(year - 1, 1, 1), period_end=datetime.date(year - 1, 12, 31),
            place="Thành phố Hồ Chí Minh", issued_on=datetime.date.today(), subject=f"Diễn tập {uuid.uuid4().hex[:6]}")
        services.request_generation(actor=actor, report_id=self.report.pk)
        say(f"{self.name}: report {self.report.pk}, queued")

    def task_id(self):
        return find_task(self.queue, "htxconnect.reports.tasks.generate_report", self.report.pk)

    def mid_task(self):
        from htxconnect.reports.models import Report

        return Report.objects.filter(pk=self.report.pk, status=Report.Status.RUNNING).exists()

    def done(self):
        from htxconnect.reports.models import Report

        return Report.objects.get(pk=self.report.pk).status not in (Report.Status.QUEUED, Report.Status.RUNNING)

    def effect(self):
        from django.conf import settings

        from htxconnect.core.models import AuditEntry
        from htxconnect.reports.models import Report

        report = Report.objects.get(pk=self.report.pk)
        files = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob(f"bao-cao-{report.pk}[.-]*"))
        audits = AuditEntry.objects.filter(action="reports.report.generated", object_id=str(report.pk)).count()
        expected = {f"bao-cao-{report.pk}.docx", f"bao-cao-{report.pk}-phu-luc.xlsx"}
        ok = report.status == Report.Status.DONE and audits == 1 and expected <= set(files) and len(files) <= 3
        return ok, f"status {report.status}, files {files}, audit entries {audits}"


def find_task(queue: str, path: str, arg) -> str | None:
    """The id of the queued/running task `path(arg)` on `queue` (RQ job id or django-tasks-db row id)."""
    from htxconnect.core import taskqueue

    if taskqueue.backend_kind() == taskqueue.RQ:
        import django_rq

        q = django_rq.get_queue(queue)
        for job_id in [*q.started_job_registry.get_job_ids(), *q.job_ids]:
            job = q.fetch_job(job_id)
            if job is not None and job.func_name == path and job.args and str(job.args[0]) == str(arg):
                return job_id
        return None
    from django_tasks_db.models import DBTaskResult

    for row in DBTaskResult.objects.filter(task_path=path, queue_name=queue).order_by("-enqueued_at")[:50]:
        if row.args_kwargs.get("args") and str(row.args_kwargs["args"][0]) == str(arg):
            return str(row.pk)
    return None


# --- the drill -----------------------------------------------------------------------------------------


def drill(case, stack: dict, kill: str, timeout: float) -> bool:
    from django.db import close_old_connections

    case.start()
    started = time.monotonic()
    if not wait_for(lambda: (close_old_connections(), case.mid_task())[1], timeout=120):
        say(f"{case.name}: FAILED — never seen mid-task within 120 s (no worker on queue {case.queue}?)")
        return False
    seen = time.monotonic() - started
    task_id = wait_for(case.task_id, timeout=10, every=0.05)
    if task_id is None:
        say(f"{case.name}: FAILED — its task was not found in queue {case.queue}")
        return False
    worker_pid, victims = running_process(stack, case.queue, task_id)
    if kill == "horse" and any(is_work_horse(pid) for pid in victims[1:]):
        victims = [pid for pid in victims[1:] if is_work_horse(pid)]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    killed_at = time.monotonic()
    say(f"{case.name}: mid-task after {seen:.2f} s (task {task_id}); SIGKILL → {victims} "
        f"({'work-horse only' if victims[0] != worker_pid else 'the worker and its work-horse'})")
    restart = 0.0
    if worker_pid in victims:
        restart = restart_workers()
        say(f"{case.name}: workers restarted by `prodstack.py up` in {restart:.1f} s")
    finished = wait_for(lambda: (close_old_connections(), case.done())[1], timeout=timeout, every=0.2)
    recovery = time.monotonic() - killed_at
    if not finished:
        say(f"{case.name}: FAILED — not finished {timeout:.0f} s after the kill")
        return False
    ok, observed = case.effect()
    say(f"{case.name}: finished {recovery:.1f} s after the kill — {observed} → "
        f"{'exactly once: OK' if ok else 'NOT exactly once: FAILED'}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="capture,labels,reports")
    parser.add_argument("--kill", choices=["worker", "horse"], default="worker")
    parser.add_argument("--events", type=int, default=10000, help="events in the captured document (at most "
                        "EPCIS_CAPTURE_LIMIT, 10,000)")
    # 3,000 labels: long enough to be caught mid-render, short enough to finish on a busy machine
    # (10,000 took 14 minutes at load 10 on 2 cores, 28/11).
    parser.add_argument("--labels", type=int, default=3000, help="labels in the print run (at most 10,000)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds to wait for the retry to finish")
    args = parser.parse_args(argv)
    stack = load_stack()
    setup_django(stack)
    from htxconnect.core import taskqueue

    say(f"stack: task backend {stack.get('task_backend')} ({taskqueue.backend_kind()}), workers "
        f"{', '.join(stack.get('workers', []))}; kill: {args.kill}")
    cases = {"capture": Capture(args.events), "labels": Labels(args.labels), "reports": Reports()}
    results = {}
    for name in args.only.split(","):
        results[name] = drill(cases[name], load_stack(), args.kill, args.timeout)
    say("summary: " + ", ".join(f"{name} {'OK' if ok else 'FAILED'}" for name, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
