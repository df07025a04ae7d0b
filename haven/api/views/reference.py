"""Vocabularies and places: the shared lists every record's terms and places come from.
Not sensitive, and the same for every signed-in user; labels in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from haven.api.fields import Shown
from haven.api.views.base import ApiMixin
from haven.locations.models import Location
from haven.vocab.models import Term, Vocabulary

PLACE = inline_serializer(
    "PlaceRef", {"id": serializers.IntegerField(), "name": serializers.CharField()}
)


@extend_schema_field(PLACE)
class PlaceField(serializers.Field):
    def to_representation(self, value):
        return {"id": value.pk, "name": value.name}


class VocabularyTermSerializer(Shown):
    code = serializers.CharField()
    label = serializers.CharField(help_text="In the language of the response.")
    label_en = serializers.CharField()
    label_ru = serializers.CharField()
    retired = serializers.BooleanField()


class VocabularySerializer(Shown):
    code = serializers.CharField()
    label = serializers.CharField()
    terms = VocabularyTermSerializer(many=True)


class VocabularyViewSet(ApiMixin, viewsets.ViewSet):
    """The controlled lists (act types, channels, threat types …) and their terms."""

    module = "reference"
    lookup_field = "code"
    lookup_value_converter = "slug"

    def _vocabulary(self, code, label):
        terms = Term.objects.of(code).order_by("position", "code")
        return {
            "code": code,
            "label": str(label),
            "terms": VocabularyTermSerializer(terms, many=True).data,
        }

    @extend_schema(
        summary="Every vocabulary and its terms",
        responses=VocabularySerializer(many=True),
        tags=["reference"],
    )
    def list(self, request):
        return Response([self._vocabulary(code, label) for code, label in Vocabulary.choices])

    @extend_schema(
        summary="One vocabulary and its terms", responses=VocabularySerializer, tags=["reference"]
    )
    def retrieve(self, request, code=None):
        labels = dict(Vocabulary.choices)
        if code not in labels:
            raise exceptions.NotFound(_("There is no such vocabulary."))
        return Response(self._vocabulary(code, labels[code]))


class PlaceSerializer(Shown):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    name = serializers.CharField(help_text="In the language of the response.")
    name_en = serializers.CharField()
    name_ru = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)


class ByPosition(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)


@extend_schema(tags=["reference"])
class PlaceViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The gazetteer: places in a tree, named in English and Russian."""

    module = "reference"
    serializer_class = PlaceSerializer
    pagination_class = ByPosition
    lookup_value_converter = "int"
    queryset = Location.objects.all()

    def filter_queryset(self, queryset):
        parent = self.request.query_params.get("parent")
        if parent is not None:
            if not parent.isdigit() or len(parent) > 18:
                raise exceptions.ValidationError({"parent": [_("Not a place id.")]})
            queryset = queryset.filter(parent_id=int(parent))
        return queryset
