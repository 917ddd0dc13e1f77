from django.core.management.base import BaseCommand

from htxconnect.registry.models import fill_search_words


class Command(BaseCommand):
    help = ("Ghi lại bảng từ khóa tìm kiếm của mọi tổ chức (sau khi nạp dữ liệu bằng SQL, "
            "hoặc nếu bảng lệch với tên tổ chức).")

    def handle(self, *args, **options):
        count = fill_search_words()
        self.stdout.write(self.style.SUCCESS(f"Đã ghi {count} từ khóa tìm kiếm."))
