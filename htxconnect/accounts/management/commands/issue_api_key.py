"""Issue an API key for a user and print it once: `manage.py issue_api_key <username> [--name NAME]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from htxconnect.accounts.apikeys import issue_key
from htxconnect.accounts.models import User
from htxconnect.core.actors import system_actor


class Command(BaseCommand):
    help = "Cấp khóa API cho một người dùng và in khóa ra một lần duy nhất. / Issue an API key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập / username")
        parser.add_argument("--name", default="", help="tên gợi nhớ của khóa, ví dụ “máy chủ EPCIS” / a label")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"Không có người dùng “{username}”. / No such user: {username}") from None
        try:
            key, raw = issue_key(user, name, by=system_actor("issue_api_key"))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Đã cấp khóa API “{key.name or key.prefix}” cho {user.get_username()}. "
            "Hãy lưu khóa ngay: khóa chỉ hiển thị một lần này."
        )
        self.stdout.write(
            f"API key “{key.name or key.prefix}” issued for {user.get_username()}. "
            "Store it now: it is shown only this once."
        )
        self.stdout.write(f"Dùng / use: Authorization: Bearer {raw}")
