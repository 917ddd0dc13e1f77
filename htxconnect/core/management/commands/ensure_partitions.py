"""`manage.py ensure_partitions [--months-ahead 3] [--months-back 0]`: create the monthly partitions
of the big tables (PostgreSQL) ahead of time. Also run daily by `run_periodic` (core.partitions)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from htxconnect.core import partitions


class Command(BaseCommand):
    help = "Tạo trước các phân vùng theo tháng của bảng sự kiện EPCIS và lượt quét (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=partitions.DEFAULT_MONTHS_AHEAD,
                            help="months after the current one to create (default 3)")
        parser.add_argument("--months-back", type=int, default=0, help="months before the current one to create")

    def handle(self, *args, months_ahead, months_back, **options):
        if months_ahead < 0 or months_back < 0 or months_ahead > 120 or months_back > 120:
            raise CommandError("--months-ahead và --months-back phải từ 0 đến 120 (must be 0–120).")
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: không phân vùng (partitions exist on PostgreSQL only).")
            return
        created = partitions.ensure_partitions(months_ahead=months_ahead, months_back=months_back)
        for table, names in created.items():
            self.stdout.write(f"{table}: " + (", ".join(names) if names else "đã đủ (nothing to create)"))
