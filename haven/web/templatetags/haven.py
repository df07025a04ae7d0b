from html import unescape

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

from haven.web import breadcrumbs, once

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


def _page_title(context) -> str:
    """The text of the page's ``title`` block, as the page itself renders it."""
    blocks = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = blocks.get_block("title") if blocks else None
    if block is None:
        return ""
    with context.push(block=block):
        return unescape(strip_tags(block.nodelist.render(context))).strip()


def _trail(context) -> list[breadcrumbs.Step]:
    """The page's trail, worked out once per page: the header, the title and the
    breadcrumbs all use it."""
    key = "haven.trail"
    for store in context.render_context.dicts:
        if key in store:
            return store[key]
    # An error page may come before the middleware has run: no user, no trail.
    user = getattr(context.get("request"), "user", None)
    steps = []
    if user is not None and getattr(user, "is_verified", lambda: False)():
        steps = breadcrumbs.trail(
            context["request"], _page_title(context), context.flatten().values()
        )
    # The outermost level lives as long as the page's rendering, whichever block asks.
    context.render_context.dicts[0][key] = steps
    return steps


@register.simple_tag(takes_context=True)
def title_trail(context):
    """`` · C-0042 · Cases``: the steps above the page, nearest first, for ``<title>``;
    a step the page's title already names is left out."""
    steps = _trail(context)
    if len(steps) < 2:
        return ""
    title = steps[-1].label
    above = [s.label for s in reversed(steps[1:-1]) if s.label not in title]
    return "".join(f" · {label}" for label in above)


@register.inclusion_tag("web/breadcrumbs.html", takes_context=True)
def breadcrumbs_nav(context):
    return {"steps": _trail(context)}


@register.simple_tag(takes_context=True)
def here(context, url_name):
    """`` aria-current="true"`` on the header's link to the section this page is in."""
    steps = _trail(context)
    if len(steps) > 1 and steps[1].url == reverse(url_name):
        return mark_safe(' aria-current="true"')  # noqa: S308 - a constant
    return ""
