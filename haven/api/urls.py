"""/api/v1/: the resources, the schema and its reference page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from haven.accounts.decorators import OPEN
from haven.api.views import cases, docs, incidents, people, reference, search, sources

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("people", people.PersonViewSet, basename="person")
router.register("requests", cases.RequestViewSet, basename="request")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("incidents", incidents.IncidentViewSet, basename="incident")
router.register("sources", sources.SourceViewSet, basename="source")
router.register("vocabularies", reference.VocabularyViewSet, basename="vocabulary")
router.register("places", reference.PlaceViewSet, basename="place")

urlpatterns = [
    *router.urls,
    path("search/", search.SearchView.as_view(), name="search"),
    path("audit/status/", search.AuditStatusView.as_view(), name="audit_status"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.reference, name="docs"),
    re_path(r"^.*$", docs.not_found, name="not_found"),
]

# The API authenticates its callers itself (a token, or the session with its second
# factor: haven.api.authentication), answering 401 with problem details instead of a
# redirect to the sign-in page. The reference page is an ordinary page.
for pattern in urlpatterns:
    if pattern.name != "docs":
        pattern.callback.haven_access = OPEN
