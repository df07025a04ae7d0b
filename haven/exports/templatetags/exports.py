from django import template
from django.urls import reverse
from django.utils.http import urlencode

from haven.exports.views import NOT_CARRIED

register = template.Library()


@register.inclusion_tag("exports/export_link.html", takes_context=True)
def export_link(context, kind: str) -> dict:
    """The list's "Export", carrying its filters, find box and order as the list has
    them: in a link after a link, in a POST after a lookup."""
    request = context["request"]
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    carried = [
        (name, value)
        for name, values in data.lists()
        if name not in NOT_CARRIED
        for value in values
    ]
    return {
        "url": reverse("exports:page", kwargs={"kind": kind}),
        "posted": posted,
        "carried": carried,
        "query": urlencode(carried),
        "csrf_token": context.get("csrf_token"),
    }
