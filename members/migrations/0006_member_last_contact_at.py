# Members get the time of their newest contact (Contact's writes keep it from
# then on), filled here for the contacts that exist, and an index in the order
# the roster's "longest without contact" sort asks for; the sort by joining
# date gets its index too, and the name a pattern B-tree for the search by
# surname (LIKE '张%').

from django.db import migrations, models
from django.db.models import Exists, Max, OuterRef, Subquery


def fill_last_contacts(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Contact = apps.get_model("members", "Contact")
    newest = Contact.objects.filter(member=OuterRef("pk")).order_by().values("member").annotate(at=Max("at"))
    Member.objects.filter(Exists(Contact.objects.filter(member=OuterRef("pk")))).update(
        last_contact_at=Subquery(newest.values("at"))
    )


# The order of search.CONTACT_ORDER: never contacted first, then the longest
# ago. PostgreSQL puts NULLs last in an ascending index unless told, and SQLite
# (where they come first anyway) does not accept NULLS FIRST in an index.
ORDER_INDEX = "member_contact_order_idx"
ORDER_COLUMNS = '"organization_id", "state", "last_contact_at"{nulls}, "name_pinyin", "name", "id"'


def create_order_index(apps, schema_editor):
    table = schema_editor.quote_name(apps.get_model("members", "Member")._meta.db_table)
    nulls = " ASC NULLS FIRST" if schema_editor.connection.vendor == "postgresql" else ""
    columns = ORDER_COLUMNS.format(nulls=nulls)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {ORDER_INDEX} ON {table} ({columns})")


def drop_order_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {ORDER_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0006_organization_branch_type"),
        ("members", "0005_member_pinyin"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="last_contact_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last contact"),
        ),
        migrations.RunPython(fill_last_contacts, migrations.RunPython.noop),
        migrations.RunPython(create_order_index, drop_order_index),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["organization", "state", "joined_party_on", "name_pinyin", "name", "id"],
                name="member_joined_order_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["name"], name="member_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ),
    ]
