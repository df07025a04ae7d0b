import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# A record's code (P-4ZVSTW) or a text in brackets that ends with one: never split
# across two lines at its dash.
CODE = re.compile(r"\(?\b[A-Z]-[A-Z0-9]{6}\b\)?:?")


@register.filter
def cell(text) -> str:
    """A cell of a printed table: escaped, its line breaks kept, its codes whole."""
    escaped = escape(str(text))
    kept = CODE.sub(lambda found: f'<span class="code">{found.group(0)}</span>', escaped)
    return mark_safe(kept.replace("\n", "<br>"))  # noqa: S308 - escaped above
