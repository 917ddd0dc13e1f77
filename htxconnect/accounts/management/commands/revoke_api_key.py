"""Revoke an API key by its prefix: `manage.py revoke_api_key <prefix>` (or the whole key)."""

from django.core.management.base import BaseCommand, CommandError

from htxconnect.accounts.apikeys import parse_prefix, revoke_key
from htxconnect.accounts.models import ApiKey
from htxconnect.core.actors import system_actor


class Command(BaseCommand):
    help = "Thu hồi khóa API theo tiền tố (htx_<tiền tố>_…). / Revoke an API key by its prefix."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="tiền tố của khóa, ví dụ 3f9a0c1b2d, hoặc cả khóa / key prefix or whole key")

    def handle(self, *args, prefix, **options):
        if parse_prefix(prefix) is None:
            raise CommandError(
                f"“{prefix}” không phải tiền tố khóa API (10 ký tự 0-9, a-f). / Not an API key prefix."
            )
        try:
            already = ApiKey.objects.get(prefix=parse_prefix(prefix)).revoked_at is not None
            key = revoke_key(prefix, by=system_actor("revoke_api_key"))
        except ApiKey.DoesNotExist:
            raise CommandError(f"Không có khóa API với tiền tố “{prefix}”. / No API key with that prefix.") from None
        if already:
            self.stdout.write(f"Khóa htx_{key.prefix}_… đã bị thu hồi từ trước. / Key already revoked.")
        else:
            self.stdout.write(f"Đã thu hồi khóa htx_{key.prefix}_… của {key.user.get_username()}. / Key revoked.")
