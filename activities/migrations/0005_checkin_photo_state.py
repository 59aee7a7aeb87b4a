from django.db import migrations, models


def mark_stored_photos_ready(apps, schema_editor):
    CheckIn = apps.get_model("activities", "CheckIn")
    CheckIn.objects.exclude(photo="").update(photo_state="ready")


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_leave_decision_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="photo_upload",
            field=models.FileField(blank=True, editable=False, upload_to="checkins/incoming/%Y/%m/"),
        ),
        migrations.AddField(
            model_name="checkin",
            name="photo_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No photo"),
                    ("processing", "Photo being processed"),
                    ("ready", "Photo attached"),
                    ("failed", "Photo could not be processed"),
                ],
                default="",
                max_length=10,
                verbose_name="photo state",
            ),
        ),
        migrations.AddField(
            model_name="checkin",
            name="photo_queued_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="checkin",
            index=models.Index(
                condition=models.Q(("photo_upload", ""), _negated=True),
                fields=["photo_state"],
                name="checkin_photo_upload_idx",
            ),
        ),
        migrations.RunPython(mark_stored_photos_ready, migrations.RunPython.noop),
    ]
