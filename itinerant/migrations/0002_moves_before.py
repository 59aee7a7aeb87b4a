from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("itinerant", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="movereport",
            name="before",
            field=models.JSONField(blank=True, default=dict, verbose_name="roster values when reported"),
        ),
    ]
