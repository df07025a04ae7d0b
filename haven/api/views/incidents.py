"""Incidents with their acts, involvements, chains and information links, read through
the policy layer and recorded through incidents.actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action

from haven.api.fields import Body, FuzzyDateField, RecordField, Shown, TeamField, TermField, ref
from haven.api.views.base import RecordViewSet, part_schema
from haven.api.views.reference import PlaceField
from haven.audit.actions import record
from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.locations.models import Location
from haven.people.models import Person
from haven.records.access import get_for_user
from haven.sources.models import Source
from haven.vocab.models import Vocabulary


class InvolvementSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    perpetrator = RecordField(Person)
    degree = serializers.CharField()
    affiliation = serializers.CharField()


class ActSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    act_type = TermField(Vocabulary.ACT_TYPE)
    victim = RecordField(Person, allow_null=True)
    location = PlaceField(allow_null=True)
    start = FuzzyDateField(allow_null=True)
    end = FuzzyDateField(allow_null=True)
    victim_status = serializers.CharField()
    consequences = serializers.CharField()
    involvements = serializers.SerializerMethodField()

    @extend_schema_field(InvolvementSerializer(many=True))
    def get_involvements(self, act) -> list[dict]:
        found = getattr(act, "visible_involvements", None)  # fetched with the incident's acts
        if found is None:
            found = visible_involvements(self.context["request"].user).filter(act=act)
        return InvolvementSerializer(found, many=True, context=self.context).data


def visible_involvements(user):
    return Involvement.objects.visible_to(user).select_related("perpetrator")


class ChainSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    source = RecordField(Incident)
    target = RecordField(Incident)
    relation = serializers.CharField()
    note = serializers.CharField()


class InformationLinkSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    source = RecordField(Source)
    connection = serializers.CharField()
    reliability = serializers.CharField()
    credibility = serializers.CharField()
    note = serializers.CharField()


class IncidentSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    code = serializers.CharField()
    team = TeamField()
    title = serializers.CharField()
    description = serializers.CharField()
    start = FuzzyDateField(allow_null=True)
    end = FuzzyDateField(allow_null=True)
    location = PlaceField(allow_null=True)
    stated_grounds = serializers.CharField()
    documented_motive = serializers.CharField()
    violation_status = serializers.ChoiceField(choices=Incident.ViolationStatus.choices)
    confidentiality = serializers.ChoiceField(choices=Incident.Confidentiality.choices)
    created_at = serializers.DateTimeField()


class IncidentDetailSerializer(IncidentSerializer):
    acts = serializers.SerializerMethodField()
    chains = serializers.SerializerMethodField()
    information = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(ActSerializer(many=True))
    def get_acts(self, incident) -> list[dict]:
        found = Act.objects.visible_to(self._user()).filter(incident=incident)
        found = found.select_related("act_type", "victim", "location").prefetch_related(
            Prefetch(
                "involvements",
                queryset=visible_involvements(self._user()),
                to_attr="visible_involvements",
            )
        )
        return ActSerializer(found, many=True, context=self.context).data

    @extend_schema_field(ChainSerializer(many=True))
    def get_chains(self, incident) -> list[dict]:
        found = Chain.objects.visible_to(self._user()).filter(
            Q(source=incident) | Q(target=incident)
        )
        found = found.filter(source__deleted_at__isnull=True, target__deleted_at__isnull=True)
        return ChainSerializer(found.select_related("source", "target"), many=True).data

    @extend_schema_field(InformationLinkSerializer(many=True))
    def get_information(self, incident) -> list[dict]:
        found = InformationLink.objects.visible_to(self._user()).filter(
            incident=incident, source__deleted_at__isnull=True
        )
        return InformationLinkSerializer(found.select_related("source"), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_cases(self, incident) -> list[dict]:
        return [ref(case) for case in incident.cases.visible_to(self._user()).order_by("code")]


class IncidentBody(Body):
    team = serializers.UUIDField(required=False, help_text="Needed only in several teams.")
    title = serializers.CharField(max_length=300)
    start = FuzzyDateField(help_text="When it began: 2020-04-12, April 2020, summer 2021…")
    end = FuzzyDateField(required=False, allow_null=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True, help_text="A place's id."
    )
    description = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    stated_grounds = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    documented_motive = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    violation_status = serializers.ChoiceField(
        choices=Incident.ViolationStatus.choices, required=False
    )
    confidentiality = serializers.ChoiceField(
        choices=Incident.Confidentiality.choices, required=False
    )


class IncidentUpdateBody(IncidentBody):
    team = None
    title = serializers.CharField(max_length=300, required=False)
    start = FuzzyDateField(required=False)


class ActBody(Body):
    act_type = TermField(Vocabulary.ACT_TYPE, help_text="A type of act's code.")
    victim = RecordField(Person, help_text="A person's id.")
    start = FuzzyDateField(
        required=False, allow_null=True, help_text="The incident's if not given."
    )
    end = FuzzyDateField(required=False, allow_null=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True, help_text="A place's id."
    )
    victim_status = serializers.ChoiceField(choices=Act.VictimStatus.choices, required=False)
    consequences = serializers.CharField(max_length=100_000, required=False, allow_blank=True)


class ChainBody(Body):
    relation = serializers.ChoiceField(
        choices=Chain.Relation.choices, help_text="This incident precedes, causes or encompasses…"
    )
    target = RecordField(Incident, help_text="The other incident's id (of the same team).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CitationBody(Body):
    connection = serializers.ChoiceField(choices=InformationLink.Connection.choices)
    reliability = serializers.ChoiceField(
        choices=InformationLink._meta.get_field("reliability").choices,
        help_text="Of the source, A (reliable) to F (cannot be judged).",
    )
    credibility = serializers.ChoiceField(
        choices=InformationLink._meta.get_field("credibility").choices,
        help_text="Of the information, 1 (confirmed) to 6 (cannot be judged).",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CiteBody(CitationBody):
    source = RecordField(Source, help_text="A source's id (of the same team).")


ACT = OpenApiParameter("act_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PART = OpenApiParameter("part_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class InvolvementBody(Body):
    perpetrator = RecordField(Person, help_text="A person's (or a group's) id.")
    degree = serializers.ChoiceField(choices=Involvement.Degree.choices)
    affiliation = serializers.CharField(max_length=300, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="The incidents you may see", tags=["incidents"]),
    retrieve=extend_schema(
        summary="One incident, with its acts, involvements, chains and sources",
        responses=IncidentDetailSerializer,
        tags=["incidents"],
    ),
    create=extend_schema(summary="Record an incident", request=IncidentBody, tags=["incidents"]),
    partial_update=extend_schema(
        summary="Change an incident (send If-Match)", request=IncidentUpdateBody, tags=["incidents"]
    ),
    destroy=extend_schema(exclude=True),
)
class IncidentViewSet(RecordViewSet):
    """Incidents: what happened, where and when (vague dates spelled out)."""

    module = "incidents"
    model = Incident
    serializer_class = IncidentSerializer
    related = ("location",)
    filters = {"violation_status": ("violation_status", Incident.ViolationStatus.values)}
    create_body = IncidentBody
    update_body = IncidentUpdateBody
    # DELETE reaches only the parts: the record itself is not deleted, as on the web.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return IncidentDetailSerializer if self.action != "list" else IncidentSerializer

    def perform_create(self, team, data):
        return actions.record_incident(team=team, by=self.request.user, **data)

    def perform_update(self, incident, data):
        return actions.update_incident(incident, by=self.request.user, **data)

    @extend_schema(
        summary="Record an act of an incident",
        request=ActBody,
        responses={201: ActSerializer},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"])
    def acts(self, request, id=None):
        incident = get_for_user(Incident, request.user, id, write=True)
        data = dict(self.body(ActBody))
        with transaction.atomic():
            act = actions.record_act(incident, by=request.user, **data)
        return self.new_part(act, ActSerializer)

    @extend_schema(
        summary="Name a perpetrator of an act",
        parameters=[ACT],
        request=InvolvementBody,
        responses={201: InvolvementSerializer},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"], url_path="acts/<uuid:act_id>/involvements")
    def involvements(self, request, id=None, act_id=None):
        incident = get_for_user(Incident, request.user, id, write=True)
        act = self.part(incident, "acts", act_id, write=True)
        data = dict(self.body(InvolvementBody))
        with transaction.atomic():
            involvement = actions.add_involvement(act, by=request.user, **data)
        return self.new_part(involvement, InvolvementSerializer)

    def _incident(self, id):
        """The incident, for writing on a change (403/404 before the body is read), for
        reading (and on the record) on GET."""
        return get_for_user(Incident, self.request.user, id, write=self.writes())

    @part_schema("act", "incidents", ActSerializer, ActBody, path=[ACT])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="acts/<uuid:act_id>",
        url_name="act",
    )
    def act(self, request, id=None, act_id=None):
        incident = self._incident(id)
        return self.part_answer(
            self.part(incident, "acts", act_id, write=self.writes()),
            ActSerializer,
            body=ActBody,
            change=lambda act, data: actions.update_act(act, by=request.user, **data),
            remove=lambda act: actions.remove_act(act, by=request.user),
        )

    @part_schema(
        "perpetrator's involvement",
        "incidents",
        InvolvementSerializer,
        InvolvementBody,
        path=[ACT, PART],
    )
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="acts/<uuid:act_id>/involvements/<uuid:part_id>",
        url_name="involvement",
    )
    def involvement(self, request, id=None, act_id=None, part_id=None):
        write = self.writes()
        act = self.part(self._incident(id), "acts", act_id, write=write)
        return self.part_answer(
            self.part(act, "involvements", part_id, write=write),
            InvolvementSerializer,
            body=InvolvementBody,
            change=lambda inv, data: actions.update_involvement(inv, by=request.user, **data),
            remove=lambda inv: actions.remove_involvement(inv, by=request.user),
        )

    @extend_schema(
        summary="Link an incident to another (this one precedes, causes or encompasses it)",
        request=ChainBody,
        responses={201: ChainSerializer},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"])
    def chains(self, request, id=None):
        incident = get_for_user(Incident, request.user, id, write=True)
        data = dict(self.body(ChainBody))
        with transaction.atomic():
            link = actions.chain(incident, data.pop("target"), by=request.user, **data)
        return self.new_part(link, ChainSerializer)

    def _chain(self, incident, chain_id):
        """A chain that starts or ends at the incident (as its page lists them): 404, and
        on the record, for any other."""
        links = Chain.objects.visible_to(self.request.user).filter(
            Q(source=incident) | Q(target=incident)
        )
        try:
            link = links.filter(uuid=chain_id).select_related("source", "target").first()
        except ValidationError:
            link = None
        if link is None:
            record("access.denied", actor=self.request.user, summary=f"incidents.chain {chain_id}")
            raise Http404
        if not self.writes():
            record("incidents.chain.viewed", actor=self.request.user, target=link)
        return link

    @part_schema("chain of events", "incidents", ChainSerializer, ChainBody, path=[PART])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="chains/<uuid:part_id>",
        url_name="chain",
    )
    def chain(self, request, id=None, part_id=None):
        return self.part_answer(
            self._chain(self._incident(id), part_id),
            ChainSerializer,
            body=ChainBody,
            change=lambda link, data: actions.update_chain(link, by=request.user, **data),
            remove=lambda link: actions.remove_chain(link, by=request.user),
        )

    @extend_schema(
        summary="Cite a source for an incident, with its reliability and credibility",
        request=CiteBody,
        responses={201: InformationLinkSerializer},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"])
    def information(self, request, id=None):
        incident = get_for_user(Incident, request.user, id, write=True)
        data = dict(self.body(CiteBody))
        with transaction.atomic():
            link = actions.cite_source(incident, data.pop("source"), by=request.user, **data)
        return self.new_part(link, InformationLinkSerializer)

    @part_schema(
        "citation of a source", "incidents", InformationLinkSerializer, CitationBody, path=[PART]
    )
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="information/<uuid:part_id>",
        url_name="citation",
    )
    def citation(self, request, id=None, part_id=None):
        incident = self._incident(id)
        return self.part_answer(
            self.part(incident, "information", part_id, write=self.writes()),
            InformationLinkSerializer,
            body=CitationBody,
            change=lambda link, data: actions.update_citation(link, by=request.user, **data),
            remove=lambda link: actions.remove_citation(link, by=request.user),
        )
