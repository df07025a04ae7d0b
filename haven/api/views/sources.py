"""Sources and their evidence files. A file is uploaded as the request's body (or as a
form's ``file`` part) through the vault's own path: hashed and encrypted as its bytes
arrive, never held in clear; downloaded as a stream after its whole stored copy is
checked, each access a custody entry."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header, parse_header_parameters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from haven.api.fields import Body, FuzzyDateField, Shown, TeamField
from haven.api.parsers import BodyTooLarge
from haven.api.problems import Conflict
from haven.api.views.base import RecordViewSet
from haven.audit.actions import record
from haven.audit.context import audit_context, current_context
from haven.audit.models import AuditEntry
from haven.records.access import get_for_user
from haven.sources import actions, selectors
from haven.sources.models import Reliability, Source
from haven.sources.vault import EncryptingUploadHandler, SealedUpload, Sealer, track

CHUNK = 64 * 1024


class EvidenceSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="Of the original, taken as it arrived.")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class SourceSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    code = serializers.CharField()
    team = TeamField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    title = serializers.CharField()
    author = serializers.CharField()
    url = serializers.CharField()
    language = serializers.CharField()
    published = FuzzyDateField(allow_null=True)
    reliability = serializers.ChoiceField(choices=Reliability.choices)
    created_at = serializers.DateTimeField()


class SourceDetailSerializer(SourceSerializer):
    text = serializers.CharField()
    notes = serializers.CharField()
    files = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_files(self, source) -> list[dict]:
        return EvidenceSerializer(self.context["files"], many=True).data


class SourceBody(Body):
    team = serializers.UUIDField(required=False, help_text="Needed only in several teams.")
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    title = serializers.CharField(max_length=300)
    author = serializers.CharField(max_length=300, required=False, allow_blank=True)
    url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True)
    published = FuzzyDateField(required=False, allow_null=True)
    reliability = serializers.ChoiceField(choices=Reliability.choices, required=False)
    text = serializers.CharField(max_length=1_000_000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=100_000, required=False, allow_blank=True)


class CustodySerializer(Shown):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    channel = serializers.CharField()


class AnyBody(BaseParser):
    """Leaves the body unread: the upload reads it itself, chunk by chunk."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


def _within(context, stream):
    """``stream``, sent in the request's audit context: the bytes go out after the view
    has returned (and its context has ended), and the custody entry written after the
    last byte must still say the API, the caller and their address."""
    with audit_context(context.channel, actor=context.actor, address=context.address):
        yield from stream


@extend_schema_view(
    list=extend_schema(summary="The sources you may see", tags=["sources"]),
    retrieve=extend_schema(
        summary="One source, with its evidence files",
        responses=SourceDetailSerializer,
        tags=["sources"],
    ),
    create=extend_schema(summary="Record a source", request=SourceBody, tags=["sources"]),
)
class SourceViewSet(RecordViewSet):
    """Sources (testimony, media reports, official papers) and their evidence files."""

    module = "sources"
    model = Source
    serializer_class = SourceSerializer
    filters = {"kind": ("kind", Source.Kind.values)}
    create_body = SourceBody
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return SourceDetailSerializer if self.action == "retrieve" else SourceSerializer

    def get_parsers(self):
        # Called before ``self.action`` is set: the route's own map says which it is.
        request = getattr(self, "request", None)
        method = request.method.lower() if request is not None and request.method else ""
        if (getattr(self, "action_map", None) or {}).get(method) == "upload":
            return [AnyBody()]
        return super().get_parsers()

    def initial(self, request, *args, **kwargs):
        # Before anything reads the body (the session's CSRF check reads a form), so a
        # multipart upload goes through the encrypting handler as the web form's does.
        if self.action == "upload":
            request._request.upload_handlers = [EncryptingUploadHandler(request._request)]
        super().initial(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            for sealer in getattr(request, "haven_sealers", []):
                sealer.discard()

    def retrieve(self, request, *args, **kwargs):
        source = self.get_object()
        files = selectors.live_files(source)
        for evidence in files:  # seeing a file's details is part of its custody
            actions.custody(evidence, "viewed", by=request.user)
        data = SourceDetailSerializer(
            source, context={**self.get_serializer_context(), "files": files}
        ).data
        return Response(data)

    def perform_create(self, team, data):
        return actions.add_source(team=team, by=self.request.user, **data)

    @extend_schema(
        summary="Upload an evidence file",
        description=(
            "Send the file as the body (Content-Type: application/octet-stream, its name in "
            "Content-Disposition: attachment; filename=...), or as the `file` part of a "
            "multipart form. Its SHA-256 is taken as it arrives."
        ),
        request={
            "application/octet-stream": OpenApiTypes.BINARY,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        responses={201: EvidenceSerializer},
        tags=["sources"],
    )
    @action(detail=True, methods=["post"], url_path="files")
    def upload(self, request, id=None):
        source = get_for_user(Source, request.user, id, write=True)
        django_request = request._request
        if request.content_type.startswith("multipart/form-data"):
            upload = self._from_form(django_request, source)
        else:
            upload = self._from_body(django_request, source)
        try:
            evidence = actions.attach_file(source, upload, by=request.user)
        except DjangoValidationError as exc:
            record("evidence.refused", target=source, summary=str(exc.messages[0])[:200])
            raise exceptions.ValidationError({"file": exc.messages}) from None
        return Response(EvidenceSerializer(evidence).data, status=201)

    def _too_large(self, source):
        record("evidence.refused", target=source, summary="larger than the limit")
        return BodyTooLarge(
            _("The file is larger than %(mb)s MB, so nothing was stored.")
            % {"mb": settings.HAVEN_EVIDENCE_MAX_BYTES // 2**20}
        )

    def _from_form(self, django_request, source) -> SealedUpload:
        files = django_request.FILES.getlist("file")
        if getattr(django_request, "haven_upload_refused", None) == "too_large":
            raise self._too_large(source)
        if len(files) != 1 or not isinstance(files[0], SealedUpload):
            raise exceptions.ValidationError(
                {"file": [_("Send one file, as the part named file.")]}
            )
        return files[0]

    def _from_body(self, django_request, source) -> SealedUpload:
        _kind, params = parse_header_parameters(
            django_request.headers.get("Content-Disposition", "")
        )
        name = params.get("filename") or django_request.GET.get("name", "")
        if not name:
            raise exceptions.ValidationError(
                {"file": [_("Name the file: Content-Disposition: attachment; filename=...")]}
            )
        sealer = Sealer()
        track(django_request, sealer)
        limit = settings.HAVEN_EVIDENCE_MAX_BYTES
        while chunk := django_request.read(CHUNK):
            if sealer.size + len(chunk) > limit:
                raise self._too_large(source)
            sealer.write(chunk)
        if not sealer.size:
            raise exceptions.ValidationError(
                {"file": [_("The body is empty: send the file as the body.")]}
            )
        content_type = django_request.content_type or ""
        return SealedUpload(sealer, name[:255], content_type, sealer.finish())

    @extend_schema(
        summary="Download an evidence file (a stream of the original bytes)",
        parameters=[OpenApiParameter("file_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        tags=["sources"],
    )
    @action(detail=True, methods=["get"], url_path="files/<uuid:file_id>/content")
    def download(self, request, id=None, file_id=None):
        source = get_for_user(Source, request.user, id)
        evidence = self.part(source, "files", file_id)
        problem = actions.check_before_sending(evidence, by=request.user)
        if problem:
            raise Conflict(problem)
        response = StreamingHttpResponse(
            _within(current_context(), actions.send_file(evidence, by=request.user)),
            content_type="application/octet-stream",
        )
        response["Content-Disposition"] = content_disposition_header(True, evidence.name)
        response["Content-Length"] = str(evidence.size)
        response["Digest"] = f"sha-256={evidence.sha256}"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    @extend_schema(
        summary="An evidence file's chain of custody, oldest first",
        parameters=[OpenApiParameter("file_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses=CustodySerializer(many=True),
        tags=["sources"],
    )
    # The whole chain in one answer (not a cursor page: it is read whole, in order).
    @action(
        detail=True, methods=["get"], url_path="files/<uuid:file_id>/custody", pagination_class=None
    )
    def custody(self, request, id=None, file_id=None):
        source = get_for_user(Source, request.user, id)
        evidence = self.part(source, "files", file_id)
        entries = AuditEntry.objects.filter(
            object_type="sources.evidencefile", object_id=str(evidence.uuid)
        ).order_by("seq")
        return Response(CustodySerializer(entries, many=True).data)
