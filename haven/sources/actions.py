from django.db import transaction

from haven.lib.fuzzy_fields import set_fuzzy
from haven.records.actions import save_record
from haven.sources.models import Source


@transaction.atomic
def add_source(*, team, by, published=None, **fields) -> Source:
    source = Source(team=team, **fields)
    set_fuzzy(source, "published", published)
    return save_record(source, by=by)
