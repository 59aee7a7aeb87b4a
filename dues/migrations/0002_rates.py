"""The 2008 rate tables of Party dues, in force from 1 April 2008. Each bracket includes its upper bound."""

from django.db import migrations

from dues.rates import SOURCE, VALID_FROM, ensure_statutory_rates


def add_rates(apps, schema_editor):
    ensure_statutory_rates(apps.get_model("dues", "RateBracket"))


def remove_rates(apps, schema_editor):
    apps.get_model("dues", "RateBracket").objects.filter(valid_from=VALID_FROM, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
