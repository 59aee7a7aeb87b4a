# Members get their names in pinyin and initials, filled here for the rows
# that exist (members.pinyin keeps them from then on). On PostgreSQL the
# roster's substring search (name, phone, city, workplace) gets trigram GIN
# indexes; other databases have no pg_trgm and scan instead.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from members.pinyin import fill_existing

# (index, indexed expression): the expressions are what Django's lookups
# write, UPPER(col::text) LIKE UPPER(%s) for icontains and col::text LIKE %s
# for contains, so that the planner matches them.
TRIGRAM_INDEXES = [
    ("member_name_trgm_idx", "UPPER(name::text)"),
    ("member_city_trgm_idx", "UPPER(city::text)"),
    ("member_workplace_trgm_idx", "UPPER(workplace::text)"),
    ("member_phone_trgm_idx", "(phone::text)"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("members", "Member")._meta.db_table)
    for name, expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def fill_pinyin(apps, schema_editor):
    fill_existing(apps.get_model("members", "Member"))


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0006_organization_branch_type"),
        ("members", "0004_activationtext"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="member",
            options={
                "ordering": ["organization", "name_pinyin", "name"],
                "verbose_name": "member",
                "verbose_name_plural": "members",
            },
        ),
        migrations.RemoveIndex(
            model_name="member",
            name="member_roster_idx",
        ),
        migrations.AddField(
            model_name="member",
            name="name_initials",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=50, verbose_name="initials of the name"
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="name_pinyin",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=300, verbose_name="name in pinyin"
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["organization", "state", "name_pinyin", "name"], name="member_roster_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["name_pinyin"], name="member_pinyin_idx", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["name_initials"], name="member_initials_idx", opclasses=["varchar_pattern_ops"]),
        ),
        # Does nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop),
    ]
