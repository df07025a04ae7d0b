"""Requests for help and cases, with their risk assessments, actions and petitions,
consent and notes (read nested), through cases.actions."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from haven.api.fields import (
    Body,
    DateTimeField,
    FuzzyDateField,
    RecordField,
    Shown,
    TeamField,
    TermField,
    ref,
)
from haven.api.problems import Conflict
from haven.api.views.base import IF_MATCH, RecordViewSet, check_if_match, etag_of, part_schema
from haven.cases import actions
from haven.cases.models import (
    Case,
    CaseAction,
    CaseNote,
    Consent,
    Request,
    RiskAssessment,
    RiskLevel,
)
from haven.people.models import Person
from haven.records.access import get_for_user, get_part_for_user
from haven.vocab.models import Vocabulary


def user_ref(user) -> dict | None:
    return {"id": str(user.uuid), "name": user.display_name} if user is not None else None


class UserRef(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


# --- requests -------------------------------------------------------------------------
class RequestSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    team = TeamField()
    channel = TermField(Vocabulary.CHANNEL)
    received_at = serializers.DateTimeField()
    requester = RecordField(Person, allow_null=True)
    requester_name = serializers.CharField()
    summary = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Request.Urgency.choices)
    case = RecordField(Case, allow_null=True)
    created_at = serializers.DateTimeField()


class RequestBody(Body):
    team = serializers.UUIDField(required=False, help_text="Needed only in several teams.")
    channel = TermField(Vocabulary.CHANNEL, help_text="A channel code: hotline, telegram, signal…")
    received_at = DateTimeField(required=False)
    requester = RecordField(Person, required=False, allow_null=True, help_text="A person's id.")
    requester_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=100_000)
    urgency = serializers.ChoiceField(choices=Request.Urgency.choices, required=False)


class OpenCaseBody(Body):
    title = serializers.CharField(max_length=200, help_text="The new case's title.")


class JoinBody(Body):
    case = RecordField(Case, help_text="The id of a case of the request's team.")


# --- cases ----------------------------------------------------------------------------
class AssessmentSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    assessed_on = serializers.DateField()
    threat_sources = serializers.SerializerMethodField()
    threat_types = serializers.SerializerMethodField()
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    level = serializers.CharField()
    narrative = serializers.CharField()

    def get_threat_sources(self, assessment) -> list[str]:
        return [term.code for term in assessment.threat_sources.all()]

    def get_threat_types(self, assessment) -> list[str]:
        return [term.code for term in assessment.threat_types.all()]


class ActionSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    kind = TermField(Vocabulary.ACTION_TYPE)
    title = serializers.CharField()
    details = serializers.CharField()
    status = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    done = FuzzyDateField(allow_null=True)
    authority = TermField(Vocabulary.AUTHORITY, allow_null=True)
    petition_type = TermField(Vocabulary.PETITION_TYPE, allow_null=True)
    filed_on = serializers.DateField(allow_null=True)
    reference = serializers.CharField()
    decision = serializers.CharField()
    decision_on = serializers.DateField(allow_null=True)
    measures = serializers.CharField()
    next_deadline = serializers.DateField(allow_null=True)


class ConsentSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    person = RecordField(Person)
    purpose = TermField(Vocabulary.CONSENT_PURPOSE)
    status = serializers.CharField()
    given_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class NoteSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    text = serializers.CharField()
    happened_on = serializers.DateField()
    written_at = serializers.DateTimeField()


class CaseSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    code = serializers.CharField()
    team = TeamField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_since = serializers.DateField(allow_null=True)
    risk_level = serializers.CharField()
    lead = serializers.SerializerMethodField()
    opened_on = serializers.DateField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(UserRef(allow_null=True))
    def get_lead(self, case) -> dict | None:
        return user_ref(case.lead)


class CaseDetailSerializer(CaseSerializer):
    persons = serializers.SerializerMethodField()
    assessments = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()

    def _parts(self, model, case, *related):
        user = self.context["request"].user
        return model.objects.visible_to(user).filter(case=case).select_related(*related)

    def get_persons(self, case) -> list[dict]:
        return [ref(person) for person in case.current_persons()]

    def get_assessments(self, case) -> list[dict]:
        found = self._parts(RiskAssessment, case).prefetch_related("threat_sources", "threat_types")
        return AssessmentSerializer(found, many=True).data

    def get_actions(self, case) -> list[dict]:
        found = self._parts(CaseAction, case, "kind", "authority", "petition_type")
        return ActionSerializer(found, many=True).data

    def get_consents(self, case) -> list[dict]:
        found = self._parts(Consent, case, "person", "purpose")
        return ConsentSerializer(found, many=True, context=self.context).data

    def get_notes(self, case) -> list[dict]:
        return NoteSerializer(self._parts(CaseNote, case), many=True).data


class CaseBody(Body):
    team = serializers.UUIDField(required=False, help_text="Needed only in several teams.")
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    persons = serializers.ListField(
        child=RecordField(Person), max_length=100, required=False, help_text="Persons at risk."
    )


class CaseUpdateBody(Body):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)


class AssessmentBody(Body):
    assessed_on = serializers.DateField(required=False)
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    impact = serializers.IntegerField(min_value=1, max_value=5)
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    narrative = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    threat_sources = serializers.ListField(
        child=TermField(Vocabulary.THREAT_SOURCE), max_length=50, required=False
    )
    threat_types = serializers.ListField(
        child=TermField(Vocabulary.THREAT_TYPE), max_length=50, required=False
    )


class ActionBody(Body):
    kind = TermField(Vocabulary.ACTION_TYPE, help_text="An action type's code; petition for one.")
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CaseAction.Status.choices, required=False)
    outcome = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    done = FuzzyDateField(required=False, allow_null=True)
    authority = TermField(Vocabulary.AUTHORITY, required=False, allow_null=True)
    petition_type = TermField(Vocabulary.PETITION_TYPE, required=False, allow_null=True)
    filed_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    next_deadline = serializers.DateField(required=False, allow_null=True)
    persons = serializers.ListField(child=RecordField(Person), max_length=100, required=False)


class ConsentBody(Body):
    person = RecordField(Person)
    purpose = TermField(Vocabulary.CONSENT_PURPOSE)
    status = serializers.ChoiceField(choices=Consent.Status.choices)
    given_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DecisionBody(Body):
    decision = serializers.ChoiceField(choices=CaseAction.Decision.choices)
    decision_on = serializers.DateField()
    measures = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    next_deadline = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Only a deadline that follows from the decision, e.g. for an appeal.",
    )


PART = OpenApiParameter("part_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class NoteBody(Body):
    text = serializers.CharField(max_length=100_000)
    happened_on = serializers.DateField(required=False)


@extend_schema_view(
    list=extend_schema(summary="The cases you may see", tags=["cases"]),
    retrieve=extend_schema(
        summary="One case, with its assessments, actions, consent and notes",
        responses=CaseDetailSerializer,
        tags=["cases"],
    ),
    create=extend_schema(summary="Open a case", request=CaseBody, tags=["cases"]),
    partial_update=extend_schema(
        summary="Change a case's title, summary or status (send If-Match)",
        request=CaseUpdateBody,
        tags=["cases"],
    ),
    destroy=extend_schema(exclude=True),
)
class CaseViewSet(RecordViewSet):
    """Protection cases. Their parts are read with the case; notes can be added here."""

    module = "cases"
    model = Case
    serializer_class = CaseSerializer
    related = ("lead",)
    filters = {
        "status": ("status", Case.Status.values),
        "risk_level": ("risk_level", RiskLevel.values),
    }
    create_body = CaseBody
    update_body = CaseUpdateBody
    # DELETE reaches only the parts: the record itself is not deleted, as on the web.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action != "list" else CaseSerializer

    def perform_create(self, team, data):
        return actions.open_case(team=team, by=self.request.user, **data)

    def perform_update(self, case, data):
        status = data.pop("status", None)
        if data:
            case = actions.update_case(case, by=self.request.user, **data)
        if status and status != case.status:
            case = actions.change_status(case, status, by=self.request.user)
        return case

    def _add_part(self, id, body_class, add, shown_class):
        """Add a part to a case through ``add(case, data)`` (an action of the cases app):
        404 for a case not seen, 403 for a read-only member, before the body is read."""
        case = get_for_user(Case, self.request.user, id, write=True)
        data = dict(self.body(body_class))
        with transaction.atomic():
            part = add(case, data)
        return self.new_part(part, shown_class)

    def _part(self, id, related, part_id):
        """The case and one of its ``related`` parts, as the case's edit pages fetch
        them: for writing on a change (403 read-only, 404 outside, either way before
        the body is read), for reading (and on the record) on GET."""
        write = self.writes()
        case = get_for_user(Case, self.request.user, id, write=write)
        return get_part_for_user(self.request.user, case, related, part_id, write=write)

    @extend_schema(
        summary="Add a risk assessment to a case",
        request=AssessmentBody,
        responses={201: AssessmentSerializer},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"])
    def assessments(self, request, id=None):
        def add(case, data):
            return actions.assess_risk(case, by=request.user, **data)

        return self._add_part(id, AssessmentBody, add, AssessmentSerializer)

    @extend_schema(
        summary="Add an action or a petition to a case",
        request=ActionBody,
        responses={201: ActionSerializer},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"], url_path="actions", url_name="actions")
    def case_actions(self, request, id=None):
        def add(case, data):
            return actions.plan_action(case, by=request.user, **data)

        return self._add_part(id, ActionBody, add, ActionSerializer)

    @extend_schema(
        summary="Record a person's consent on a case",
        request=ConsentBody,
        responses={201: ConsentSerializer},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"])
    def consents(self, request, id=None):
        def add(case, data):
            return actions.record_consent(data.pop("person"), by=request.user, case=case, **data)

        return self._add_part(id, ConsentBody, add, ConsentSerializer)

    @extend_schema(
        summary="Add a note to a case", request=NoteBody, responses=NoteSerializer, tags=["cases"]
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, id=None):
        def add(case, data):
            return actions.add_note(case, by=request.user, **data)

        return self._add_part(id, NoteBody, add, NoteSerializer)

    @part_schema("risk assessment", "cases", AssessmentSerializer, AssessmentBody, path=[PART])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="assessments/<uuid:part_id>",
        url_name="assessment",
    )
    def assessment(self, request, id=None, part_id=None):
        return self.part_answer(
            self._part(id, "assessments", part_id),
            AssessmentSerializer,
            body=AssessmentBody,
            change=lambda part, data: actions.update_assessment(part, by=request.user, **data),
            remove=lambda part: actions.remove_assessment(part, by=request.user),
        )

    @part_schema("action or petition", "cases", ActionSerializer, ActionBody, path=[PART])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="actions/<uuid:part_id>",
        url_name="action",
    )
    def case_action(self, request, id=None, part_id=None):
        return self.part_answer(
            self._part(id, "actions", part_id),
            ActionSerializer,
            body=ActionBody,
            change=lambda part, data: actions.update_action(part, by=request.user, **data),
            remove=lambda part: actions.remove_action(part, by=request.user),
        )

    @extend_schema(
        summary="Record the decision on a petition (send If-Match)",
        parameters=[PART, IF_MATCH],
        request=DecisionBody,
        responses=ActionSerializer,
        tags=["cases"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="actions/<uuid:part_id>/decision",
        url_name="decision",
    )
    def decision(self, request, id=None, part_id=None):
        petition = self._part(id, "actions", part_id)
        if not petition.is_petition:
            raise Http404  # as the decision page of an action that is no petition
        data = dict(self.body(DecisionBody))
        with transaction.atomic():
            check_if_match(request, petition)
            petition = actions.record_decision(petition, by=request.user, **data)
        return self.part_answer(petition, ActionSerializer)

    @part_schema("consent record", "cases", ConsentSerializer, ConsentBody, path=[PART])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="consents/<uuid:part_id>",
        url_name="consent",
    )
    def consent(self, request, id=None, part_id=None):
        return self.part_answer(
            self._part(id, "consents", part_id),
            ConsentSerializer,
            body=ConsentBody,
            change=lambda part, data: actions.update_consent(part, by=request.user, **data),
            remove=lambda part: actions.remove_consent(part, by=request.user),
        )

    @part_schema("note", "cases", NoteSerializer, NoteBody, path=[PART])
    @action(
        detail=True,
        methods=["get", "patch", "delete"],
        url_path="notes/<uuid:part_id>",
        url_name="note",
    )
    def note(self, request, id=None, part_id=None):
        return self.part_answer(
            self._part(id, "notes", part_id),
            NoteSerializer,
            body=NoteBody,
            change=lambda part, data: actions.update_note(part, by=request.user, **data),
            remove=lambda part: actions.remove_note(part, by=request.user),
        )


# --- requests (the views: a request may become a case) ---------------------------
@extend_schema_view(
    list=extend_schema(summary="The requests for help you may see", tags=["requests"]),
    retrieve=extend_schema(summary="One request for help", tags=["requests"]),
    create=extend_schema(summary="File a request for help", request=RequestBody, tags=["requests"]),
)
class RequestViewSet(RecordViewSet):
    """Requests for help as they arrived (a hotline call, a message to a bot)."""

    module = "requests"
    model = Request
    serializer_class = RequestSerializer
    related = ("channel", "requester", "case")
    filters = {
        "urgency": ("urgency", Request.Urgency.values),
    }
    create_body = RequestBody
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, team, data):
        return actions.record_request(team=team, by=self.request.user, **data)

    def _unjoined(self, id):
        """The request, for writing; 409 once it is on a case (sent twice: the first
        answer holds the case), as the request's page says."""
        intake = get_for_user(Request, self.request.user, id, write=True)
        if intake.case_id:
            raise Conflict(_("This request is already part of a case."))
        return intake

    @extend_schema(
        summary="Open a case from a request for help",
        request=OpenCaseBody,
        responses={201: CaseDetailSerializer},
        tags=["requests"],
    )
    @action(detail=True, methods=["post"], url_path="open-case", url_name="open-case")
    def open_case(self, request, id=None):
        intake = self._unjoined(id)
        data = dict(self.body(OpenCaseBody))
        with transaction.atomic():
            case = actions.open_case_from_request(intake, by=request.user, **data)
        response = Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=201
        )
        response["ETag"] = etag_of(case)
        return response

    @extend_schema(
        summary="Add a request for help to a case of its team",
        request=JoinBody,
        responses=RequestSerializer,
        tags=["requests"],
    )
    @action(detail=True, methods=["post"])
    def join(self, request, id=None):
        intake = self._unjoined(id)
        data = dict(self.body(JoinBody))
        with transaction.atomic():
            intake = actions.join_request_to_case(intake, data["case"], by=request.user)
        return self.shown(intake)
