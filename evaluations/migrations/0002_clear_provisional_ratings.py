"""Results not rated yet lose the rating their partial totals used to give them.

Until now every recalculation rated a result, also during self-assessment and
before its items were scored, when the partial total always fell to the lowest
rating. Scoring now leaves such a result unrated; this clears what the old
rule stored, so open rounds show "not rated yet" without a recalculation.
"""

from django.db import migrations
from django.db.models import Q


def clear_provisional_ratings(apps, schema_editor):
    Assessment = apps.get_model("evaluations", "Assessment")
    Assessment.objects.filter(
        Q(evaluation__stage="self") | Q(evaluation__stage="review", unscored__gt=0, vetoed=False)
    ).exclude(rating="").update(rating="")


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0001_initial"),
    ]

    # Going back leaves them unrated: the next recalculation rates them by whichever rule is in place.
    operations = [migrations.RunPython(clear_provisional_ratings, migrations.RunPython.noop)]
