from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _person_section(user, person) -> dict:
    from haven.cases.selectors import person_cases

    return {"cases": person_cases(user, person)}


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from haven.people import sections

        sections.register("cases", "cases/person_section.html", _person_section, order=10)
