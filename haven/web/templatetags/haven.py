from django import template
from django.utils.html import format_html

from haven.web import once

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context):
    """A hidden field that lets the view refuse a second submit of this form."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', once.FIELD, once.issue(context["request"])
    )


@register.filter
def tally(items, path: str) -> list[tuple]:
    """(value, how many) for each distinct ``path`` (dotted attributes) of ``items``,
    in the order each first appears: "Arbitrary detention ×2" instead of the same
    words twice. Works on what is already loaded, so a prefetched list costs no query."""
    counts: dict = {}
    for item in items:
        value = item
        for name in path.split("."):
            value = getattr(value, name)
        counts[value] = counts.get(value, 0) + 1
    return list(counts.items())
