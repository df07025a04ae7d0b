from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "haven.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from haven.records.signals import records_written
        from haven.reports.facts import on_records_written

        # The counted acts follow every write of an act, incident, person or involvement.
        records_written.connect(on_records_written, dispatch_uid="reports.counted_acts")
