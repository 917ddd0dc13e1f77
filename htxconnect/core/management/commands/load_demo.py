"""Loads the demo data of every app: `python manage.py load_demo`.

Each app that has demo data provides `<app>/demo.py` with `load(stdout)`; loaders run in the
order of INSTALLED_APPS (so the registry finds the agencies that accounts created) and are
idempotent: running the command twice creates nothing new.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (chạy lại không tạo bản ghi trùng)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("htxconnect."):
                continue
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu."))
