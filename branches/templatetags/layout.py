"""Tags that keep the layout cheap: ``{% fixed_url %}`` and ``{% fragment %}``.

Every page renders the same navigation (twice: the phone's tab bar and the
desktop's top bar); rendered afresh, it cost about as much as a small page.

- ``{% fixed_url "home" %}`` is ``{% url "home" %}`` for a name without
  arguments, reversed once per process (``branches.urlcache``).
- ``{% fragment "components/member_links.html" here.view_name nav.unread %}``
  renders the template with the page's context the first time those values
  (with the active language, URLconf and script prefix) are seen in this
  process, and gives the same HTML afterwards. The values listed must be
  everything the fragment shows that varies: a fragment must not show a CSRF
  token, the path or anything else of one request or one person that is not
  among them.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from branches.urlcache import fixed_url as _fixed_url

register = template.Library()

# Views, unread counts and languages stay within this; beyond it the oldest half goes.
MAX_FRAGMENTS = 2000
_fragments: dict[tuple, SafeString] = {}


@register.simple_tag
def fixed_url(name: str) -> str:
    return _fixed_url(name)


@register.simple_tag(takes_context=True)
def fragment(context, template_name: str, *depends_on) -> SafeString:
    key = (template_name, get_language(), get_urlconf(), get_script_prefix(), *depends_on)
    html = _fragments.get(key)
    if html is None:
        html = context.template.engine.get_template(template_name).render(context)
        if len(_fragments) >= MAX_FRAGMENTS:
            for old in list(_fragments)[: MAX_FRAGMENTS // 2]:
                _fragments.pop(old, None)
        _fragments[key] = html
    return html


def forget_fragments(**kwargs) -> None:
    _fragments.clear()


setting_changed.connect(forget_fragments, dispatch_uid="branches.layout.forget")
# The development server reloads templates it sees change; so must the fragments.
file_changed.connect(forget_fragments, dispatch_uid="branches.layout.forget_on_change")
