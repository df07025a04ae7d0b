from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("accounts/keys/webauthn/", include("haven.accounts.security_key_urls")),
    path("accounts/", include("haven.accounts.urls")),
    path("audit/", include("haven.audit.urls")),
    path("admin/", include("haven.accounts.admin_urls")),
    path("people/", include("haven.people.urls")),
    path("cases/", include("haven.cases.urls")),
    path("incidents/", include("haven.incidents.urls")),
    path("sources/", include("haven.sources.urls")),
    path("export/", include("haven.exports.urls")),
    path("search/", include("haven.search.urls")),
    path("reminders/", include("haven.notifications.urls")),
    path("vocabularies/", include("haven.vocab.urls")),
    path("locations/", include("haven.locations.urls")),
    path("imports/", include("haven.imports.urls")),
    path("reports/", include("haven.reports.urls")),
    path("documents/", include("haven.documents.urls")),
    path("drafts/", include("haven.drafts.urls")),
    path("retention/", include("haven.retention.urls")),
    path("intake/", include("haven.intake.urls")),
    path(settings.HAVEN_INTAKE_PATH, include("haven.intake.public_urls")),
    path("api/v1/", include("haven.api.urls")),
    path("", include("haven.web.urls")),
]

handler400 = "haven.web.views.bad_request"
handler403 = "haven.web.views.permission_denied"
handler404 = "haven.web.views.page_not_found"
handler500 = "haven.web.views.server_error"
