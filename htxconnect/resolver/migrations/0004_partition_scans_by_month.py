# The scan table partitioned by month of scanned_at on PostgreSQL (nothing on SQLite); rows kept.
# docs/decisions/0023-monthly-partitions.md

from django.db import migrations

from htxconnect.core.migration_ops import PartitionByMonthIfPostgres


class Migration(migrations.Migration):

    dependencies = [
        ('resolver', '0003_scans_recorded_directly'),
    ]

    operations = [
        PartitionByMonthIfPostgres('scanevent', 'scanned_at'),
    ]
