# The event table partitioned by month of record_time on PostgreSQL (nothing on SQLite); rows kept.
# Its children (EPC index, field rows) keep their FK in Django but not in the database: a
# partitioned table's `id` alone cannot be referenced. docs/decisions/0023-monthly-partitions.md

import django.db.models.deletion
from django.db import migrations, models

from htxconnect.core.migration_ops import PartitionByMonthIfPostgres


class Migration(migrations.Migration):

    dependencies = [
        ('trace', '0007_field_sensor_report'),
    ]

    operations = [
        migrations.AlterField(
            model_name='epciseventepc',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='epcs', to='trace.epcisevent'),
        ),
        migrations.AlterField(
            model_name='epciseventfield',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='fields', to='trace.epcisevent'),
        ),
        PartitionByMonthIfPostgres('epcisevent', 'record_time'),
    ]
