from django import template

from haven.retention.actions import may_erase as _may_erase

register = template.Library()


@register.simple_tag
def may_erase(user, record) -> bool:
    """Whether ``user`` may erase ``record``: shows the link only to those who may."""
    return _may_erase(user, record)
