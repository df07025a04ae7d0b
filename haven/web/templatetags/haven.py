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
