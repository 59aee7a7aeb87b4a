from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        # Each app declares its periodic sweeps in a ``sweeps`` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("sweeps")
