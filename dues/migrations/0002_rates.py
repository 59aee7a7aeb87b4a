"""The rate tables of 中组发〔2008〕3号, in force from 1 April 2008. Each bracket includes its upper bound."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SOURCE = "中组发〔2008〕3号"
VALID_FROM = dt.date(2008, 4, 1)
BRACKETS = {
    "salary": [(300000, "0.005"), (500000, "0.01"), (1000000, "0.015"), (None, "0.02")],
    "retired": [(500000, "0.005"), (None, "0.01")],
}


def add_rates(apps, schema_editor):
    RateBracket = apps.get_model("dues", "RateBracket")
    for table, rows in BRACKETS.items():
        for upper_fen, rate in rows:
            RateBracket.objects.get_or_create(
                table=table,
                valid_from=VALID_FROM,
                upper_fen=upper_fen,
                defaults={"rate": Decimal(rate), "source": SOURCE},
            )


def remove_rates(apps, schema_editor):
    apps.get_model("dues", "RateBracket").objects.filter(valid_from=VALID_FROM, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
