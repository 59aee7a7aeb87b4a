import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_meeting_kinds"),
        ("branches", "0006_organization_branch_type"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeetingFrequency",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("theme_day", "Theme Party day"),
                            ("general", "Branch general meeting"),
                            ("committee", "Branch committee meeting"),
                            ("group", "Party group meeting"),
                            ("lecture", "Party lecture"),
                            ("life_meeting", "Organizational life meeting"),
                            ("review", "Democratic appraisal of members"),
                            ("other", "Other meeting"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "period",
                    models.CharField(
                        choices=[("month", "a month"), ("quarter", "a quarter"), ("year", "a year")],
                        max_length=10,
                        verbose_name="period",
                    ),
                ),
                ("times", models.PositiveSmallIntegerField(verbose_name="times per period")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="meeting_frequencies",
                        to="branches.organization",
                        verbose_name="organization",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        blank=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "meeting frequency",
                "verbose_name_plural": "meeting frequencies",
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "kind"), name="meeting_frequency_once"),
                    models.CheckConstraint(condition=models.Q(("times__lte", 31)), name="meeting_frequency_times_31"),
                ],
            },
        ),
    ]
