"""Reference sectors, and trigram indexes on the folded search columns (PostgreSQL only:
SQLite has no pg_trgm, and its LIKE scan is fast enough for the demo)."""

from django.db import migrations

SECTORS = [
    ("trong-trot", "Trồng trọt"),
    ("lua-gao", "Lúa gạo"),
    ("cay-an-qua", "Cây ăn quả"),
    ("rau-an-toan", "Rau an toàn"),
    ("nam", "Nấm"),
    ("chan-nuoi", "Chăn nuôi"),
    ("thuy-san", "Thủy sản"),
    ("cay-cong-nghiep", "Cây công nghiệp"),
    ("che-bien", "Chế biến nông sản, thực phẩm"),
    ("nganh-nghe-nong-thon", "Ngành nghề nông thôn"),
    ("dich-vu-nong-nghiep", "Dịch vụ nông nghiệp"),
    ("thuong-mai", "Thương mại, dịch vụ"),
    ("van-tai", "Vận tải"),
    ("xay-dung", "Xây dựng"),
    ("tin-dung", "Quỹ tín dụng nhân dân"),
    ("moi-truong", "Vệ sinh môi trường, nước sạch"),
    ("du-lich", "Du lịch"),
    ("nang-luong", "Năng lượng tái tạo"),
    ("khcn", "Khoa học và công nghệ"),
    ("quan-ly-nha-nuoc", "Quản lý nhà nước"),
]

TRIGRAM = [
    ("registry_org_search_trgm", "registry_organization"),
    ("registry_product_search_trgm", "registry_product"),
]


def add_sectors(apps, schema_editor):
    Sector = apps.get_model("registry", "Sector")
    for order, (code, name) in enumerate(SECTORS):
        Sector.objects.update_or_create(code=code, defaults={"name": name, "order": order})


def add_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in TRIGRAM:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)")


def drop_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(add_sectors, migrations.RunPython.noop),
        migrations.RunPython(add_trigram, drop_trigram),
    ]
