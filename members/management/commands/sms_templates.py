"""Print the SMS templates to register with a provider, and which codes the settings hold for them."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from members import sms_templates


class Command(BaseCommand):
    help = (
        "List every kind of SMS with its values and the text to register as the provider's template "
        "(Aliyun ${name}, Tencent {1}, {2}, …), marking the kinds the current settings need."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=["aliyun", "tencent"], default="aliyun")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE)

    def handle(self, *args, provider: str, language: str, **options):
        needed = set(sms_templates.required_kinds())
        with translation.override(language):
            for name, kind in sms_templates.KINDS.items():
                code = sms_templates.template_code(name, provider) or "-"
                mark = "*" if name in needed else " "
                values = ", ".join(kind.param_names) or "-"
                self.stdout.write(f"{mark} {name}  [{values}]  {provider}: {code}")
                self.stdout.write(f"    {sms_templates.provider_wording(name, provider)}")
        self.stdout.write("* needed with the current SMS settings")
