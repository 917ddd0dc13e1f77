# Scans are written by the request (one INSERT) and flagged afterwards. Rows written by the old
# cache buffer were flagged when flushed: they start as checked; new rows default to unchecked.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('resolver', '0002_recall_instructions_related_image'),
    ]

    operations = [
        migrations.AddField(
            model_name='scanevent',
            name='flags_checked',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='scanevent',
            name='flags_checked',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='scanevent',
            index=models.Index(condition=models.Q(('flags_checked', False)), fields=['scanned_at'], name='resolver_scan_unchecked'),
        ),
    ]
