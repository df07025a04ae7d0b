"""Who may move a team's records in or out, and who the audit log names meanwhile."""

from __future__ import annotations

from contextlib import contextmanager

from haven.accounts.models import Membership
from haven.audit.context import Channel, audit_context, current_context


def is_writing_member(user, team) -> bool:
    """Exports and imports of a whole team are for those who may change its records."""
    return bool(
        user is not None
        and user.is_active
        and Membership.objects.filter(
            team=team, user=user, access=Membership.Access.MEMBER
        ).exists()
    )


@contextmanager
def acting(user):
    """Entries written inside name ``user`` when the interface did not say who acts:
    an import creates terms and places through verbs that take the actor from the
    audit context."""
    context = current_context()
    if context is not None and context.current_actor() is not None:
        yield
        return
    channel = context.channel if context is not None else Channel.CLI
    address = context.address if context is not None else None
    with audit_context(channel, actor=user, address=address):
        yield
