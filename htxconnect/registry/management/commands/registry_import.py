"""`manage.py registry_import FILE.xlsx [--dry-run] [--user USERNAME] [--skip-duplicates]`: the
same checks, summary and all-or-nothing commit as the web import, for large files and scripts."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from htxconnect.core.actors import system_actor
from htxconnect.registry.importer import analysis, pipeline
from htxconnect.registry.importer.commit import CommitFailed, commit
from htxconnect.registry.importer.filecheck import FileRefused


class Command(BaseCommand):
    help = "Nhập tổ chức, sản phẩm, chứng nhận từ tệp Excel (.xlsx) theo mẫu: tất cả dòng hợp lệ hoặc không gì cả."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx theo mẫu nhập liệu")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và in tóm tắt, không ghi gì")
        parser.add_argument("--user", help="Tên đăng nhập của người nhập (quyền và nhật ký theo người này)")
        parser.add_argument("--skip-duplicates", action="store_true",
                            help="Bỏ qua dòng trùng thay vì cập nhật hồ sơ đã có")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {path}.")
        actor = system_actor("registry_import")  # no --user: the system imports, unchecked
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Không có người dùng “{options['user']}”.")
        try:
            preview = pipeline.preview_file(path, actor=actor)
        except FileRefused as refusal:
            raise CommandError(refusal.message) from None
        if options["skip_duplicates"]:
            for rows in preview["sheets"].values():
                for row in rows:
                    if row.get("duplicate") and analysis.SKIP in row["options"]:
                        row["action"] = analysis.SKIP
            analysis.analyze(preview, actor=actor)
        for line in pipeline.summary_lines(preview, path.name):
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("Chạy thử (--dry-run): không ghi gì vào sổ.")
            return
        try:
            result = commit(preview, actor=actor, filename=path.name)
        except CommitFailed as failure:
            raise CommandError(failure.message) from None
        self.stdout.write(self.style.SUCCESS(pipeline.result_line(result)))
