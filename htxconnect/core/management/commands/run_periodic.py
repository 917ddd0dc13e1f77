"""`manage.py run_periodic [--once] [--period minute|day]`: the clock-driven jobs (core.periodic).

Without --once it loops (the demo): minute jobs every minute, day jobs at start and whenever
the local date changes. With --once it runs the jobs of --period now and exits (systemd timers).
"""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from htxconnect.core import periodic


class Command(BaseCommand):
    help = "Chạy các việc định kỳ (nhắc hết hạn, đăng ký EPCIS theo lịch, đánh dấu lượt quét)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the jobs of --period once and exit")
        parser.add_argument("--period", choices=periodic.PERIODS, default="minute")

    def handle(self, *args, once, period, **options):
        if once:
            self._report(period, periodic.run_due(period))
            return
        last_day = None
        while True:  # the demo's clock; stopped by the signal that stops the demo
            today = timezone.localdate()
            if today != last_day:
                self._report("day", periodic.run_due("day"))
                last_day = today
            self._report("minute", periodic.run_due("minute"))
            time.sleep(60 - time.time() % 60)

    def _report(self, period, results):
        for name, result in results.items():
            self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {period} {name}: {result}")
