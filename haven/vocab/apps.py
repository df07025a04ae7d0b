from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VocabConfig(AppConfig):
    """Controlled lists with stable codes and English and Russian labels."""

    name = "haven.vocab"
    label = "vocab"
    verbose_name = _("Vocabularies")

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(seed_missing_vocabularies, sender=self)


def seed_missing_vocabularies(**kwargs) -> None:
    """Give every vocabulary that has no terms at all its default terms."""
    from haven.vocab.models import Term
    from haven.vocab.seed import seed_terms

    present = set(Term.objects.values_list("vocabulary", flat=True).distinct())
    seed_terms(Term, skip=present)
