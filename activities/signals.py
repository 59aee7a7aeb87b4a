"""Keep stored check-in windows true to their branch's rule."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from branches.models import Organization

from .models import Activity


@receiver(post_save, sender=Organization)
def rederive_open_windows(sender, instance: Organization, created: bool, **kwargs) -> None:
    # A window is stored so the sweeps can ask the database what is due; when
    # a branch changes its check-in days, activities not yet closed follow.
    if created or instance.kind != Organization.Kind.BRANCH:
        return
    for activity in Activity.objects.filter(organization=instance, closed_at__isnull=True):
        activity.organization = instance
        if activity.window() != (activity.opens_at, activity.closes_at):
            activity.save(update_fields=["opens_at", "closes_at"])
