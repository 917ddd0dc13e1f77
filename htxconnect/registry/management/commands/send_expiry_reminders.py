from django.core.management.base import BaseCommand

from htxconnect.registry.tasks import run_expiry_reminders


class Command(BaseCommand):
    help = "Gửi thư nhắc các HTX có chứng nhận sắp hết hạn và sản phẩm OCOP cần đánh giá lại (mỗi hồ sơ một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=60)

    def handle(self, *args, days, **options):
        count = run_expiry_reminders(days=days)
        self.stdout.write(self.style.SUCCESS(f"Đã nhắc {count} chứng nhận sắp hết hạn và sản phẩm OCOP cần đánh giá lại."))
