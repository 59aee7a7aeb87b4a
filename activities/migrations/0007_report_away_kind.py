from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_membermonth"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="kind",
            field=models.CharField(
                choices=[
                    ("thought", "Thought report"),
                    ("work", "Work report"),
                    ("away", "Report on life away (thinking, work, organizational life)"),
                ],
                default="thought",
                max_length=10,
                verbose_name="kind",
            ),
        ),
    ]
