from django.db import migrations, models


def regroup_sensor_rows(apps, schema_editor):
    """Sensor rows of events stored before this migration, again, with their sensorReport number."""
    from htxconnect.trace.epcis.fields import SENSOR_KINDS, grouped_field_rows

    Event = apps.get_model("trace", "EPCISEvent")
    Field = apps.get_model("trace", "EPCISEventField")
    events = Event.objects.filter(event__has_key="sensorElementList").values_list("pk", "event", "context")
    for pk, event, context in events.iterator():
        Field.objects.filter(event_id=pk, kind__in=SENSOR_KINDS).delete()
        Field.objects.bulk_create([
            Field(event_id=pk, kind=k, name=n, alias=a, text=t, number=num, time=tm, report=r)
            for k, n, a, t, num, tm, r in grouped_field_rows(event or {}, context or []) if k in SENSOR_KINDS])


class Migration(migrations.Migration):

    dependencies = [
        ('trace', '0006_scheduled_subscriptions'),
    ]

    operations = [
        migrations.AddField(
            model_name='epciseventfield',
            name='report',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(regroup_sensor_rows, migrations.RunPython.noop),
    ]
