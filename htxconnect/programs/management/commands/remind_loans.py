import datetime

from django.core.management.base import BaseCommand, CommandError

from htxconnect.programs.reminders import DEFAULT_DAYS, send_loan_reminders


class Command(BaseCommand):
    help = ("Gửi thư nhắc các kỳ trả nợ sắp đến hạn (trong --days ngày) hoặc đã quá hạn cho cán bộ quản lý HTX vay "
            "và cán bộ cơ quan cho vay; mỗi kỳ chỉ nhắc một lần.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
        parser.add_argument("--today", help="YYYY-MM-DD (mặc định: hôm nay)")

    def handle(self, *args, days, today, **options):
        if days < 0:
            raise CommandError("--days phải từ 0 trở lên.")
        try:
            on = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError("--today phải có dạng YYYY-MM-DD.") from None
        count = send_loan_reminders(today=on, days=days)
        self.stdout.write(self.style.SUCCESS(f"Đã nhắc {count} kỳ trả nợ."))
