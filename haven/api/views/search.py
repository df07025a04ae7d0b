"""Search (POSTed, so that no name ever sits in a URL or a server log) and the audit
log's verification (administrators)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from haven.accounts.models import AccessToken
from haven.api.fields import Body, Shown
from haven.api.permissions import AdministratorsOnly, ScopedAccess
from haven.api.views.base import ApiMixin
from haven.audit.actions import record, verify_chain
from haven.search.engine import KINDS, search

# Each kind of hit is shown only to a token that may read its module.
MODULE_OF_KIND = {
    "person": "people",
    "case": "cases",
    "incident": "incidents",
    "source": "sources",
    "petition": "cases",
}


class SearchBody(Body):
    query = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=[kind.code for kind in KINDS], required=False)
    page = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)


class HitSerializer(Shown):
    kind = serializers.CharField()
    id = serializers.UUIDField()
    code = serializers.CharField()
    text = serializers.CharField(help_text="The names or title that matched.")
    score = serializers.FloatField()
    why = serializers.ListField(
        child=serializers.CharField(), help_text="What matched: surname, phone number …"
    )
    url = serializers.CharField(help_text="The record's resource in this API.")


class SearchResults(serializers.Serializer):
    count = serializers.IntegerField(help_text="Every hit, not only this page.")
    next_page = serializers.IntegerField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    results = HitSerializer(many=True)


RESOURCE = {
    "person": "api:person-detail",
    "case": "api:case-detail",
    "incident": "api:incident-detail",
    "source": "api:source-detail",
    "petition": "api:case-detail",
}


class SearchView(ApiMixin, APIView):
    """Find people, cases, incidents and sources by name or title, as the search page
    does: in either script, with a typo, through the blind index."""

    module = "search"
    reads_by_post = True

    @extend_schema(summary="Search", request=SearchBody, responses=SearchResults, tags=["search"])
    def post(self, request):
        body = SearchBody(data=request.data)
        body.is_valid(raise_exception=True)
        token = request.auth if isinstance(request.auth, AccessToken) else None
        found = search(
            body.validated_data["query"],
            request.user,
            body.validated_data.get("kind"),
            page=body.validated_data["page"],
        )
        hits = [
            hit
            for hit in found
            if token is None or token.allows(MODULE_OF_KIND[hit.kind.code], write=False)
        ]
        record("search.performed", summary=f"API: {len(hits)} results")
        results = [
            {
                "kind": hit.kind.code,
                "id": str(hit.record.uuid),
                "code": hit.code,
                "text": hit.text,
                "score": round(hit.score, 3),
                "why": [str(reason) for reason in hit.reasons],
                "url": reverse(
                    RESOURCE[hit.kind.code],
                    kwargs={
                        "id": hit.record.case.uuid
                        if hit.kind.code == "petition"
                        else hit.record.uuid
                    },
                ),
            }
            for hit in hits
        ]
        return Response(
            {
                "count": found.total if len(hits) == len(found) else len(hits),
                "next_page": found.page + 1 if found.more else None,
                "notes": [str(note) for note in found.notes],
                "results": results,
            }
        )


class AuditStatus(serializers.Serializer):
    ok = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Entries checked.")
    head = serializers.CharField(help_text="The hash of the last good entry.")
    position = serializers.IntegerField(allow_null=True, help_text="The first bad entry.")
    problem = serializers.CharField()


class AuditStatusView(ApiMixin, APIView):
    """Walk the audit log's hash chain, as ``haven audit verify`` does."""

    module = "audit"
    permission_classes = [ScopedAccess, AdministratorsOnly]

    @extend_schema(
        summary="Verify the audit log (administrators)", responses=AuditStatus, tags=["audit"]
    )
    def get(self, request):
        verdict = verify_chain()
        record(
            "audit.verified",
            summary=f"API: {'intact' if verdict.ok else 'broken'}, {verdict.count}",
        )
        return Response(
            {
                "ok": verdict.ok,
                "count": verdict.count,
                "head": verdict.head,
                "position": verdict.position,
                "problem": verdict.problem,
            }
        )
