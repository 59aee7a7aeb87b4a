# The birthday columns become generated columns; a column cannot be altered
# into one, so they are dropped (with their index) and added again.

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0002_rosterimport_contact_memberchange_visit"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="member", name="member_party_birthday_idx"),
        migrations.RemoveField(model_name="member", name="joined_party_month"),
        migrations.RemoveField(model_name="member", name="joined_party_day"),
        migrations.AddField(
            model_name="member",
            name="joined_party_month",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.datetime.ExtractMonth("joined_party_on"),
                output_field=models.PositiveSmallIntegerField(),
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="joined_party_day",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.datetime.ExtractDay("joined_party_on"),
                output_field=models.PositiveSmallIntegerField(),
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["joined_party_month", "joined_party_day"], name="member_party_birthday_idx"),
        ),
    ]
