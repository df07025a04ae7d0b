"""People: name forms, contacts and whereabouts, read and written through people.actions."""

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

from haven.api.fields import Body, FuzzyDateField, Shown, TeamField, fuzzy, ref
from haven.api.views.base import IF_MATCH, RecordViewSet, check_if_match
from haven.audit.actions import record
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.normalize import contact_terms
from haven.lib.partial_dates import PartialDate
from haven.people import actions
from haven.people.models import Person
from haven.records.access import get_for_user

# As on the person's form: a list of a few hundred short lines at most.
LONGEST_LIST = 200


def names_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=LONGEST_LIST, **kwargs
    )


class ContactSerializer(Shown):
    kind = serializers.CharField(read_only=True, help_text="phone, email, telegram, handle…")
    value = serializers.CharField(max_length=300)


class MoveSerializer(Shown):
    place = serializers.CharField(max_length=300)
    since = FuzzyDateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class MoveBody(Body):
    """A move as sent: a field it does not have is refused, as in every body."""

    place = serializers.CharField(max_length=300)
    since = FuzzyDateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class PersonSerializer(Shown):
    id = serializers.UUIDField(source="uuid")
    code = serializers.CharField()
    team = TeamField()
    kind = serializers.ChoiceField(choices=Person.Kind.choices)
    name = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())
    nicknames = serializers.ListField(child=serializers.CharField())
    gender = serializers.CharField()
    birth_date = FuzzyDateField(allow_null=True)
    nationality = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    contacts = ContactSerializer(many=True)
    whereabouts = serializers.SerializerMethodField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(MoveSerializer(many=True))
    def get_whereabouts(self, person) -> list[dict]:
        moves = []
        for move in person.whereabouts or []:
            since = None
            if move.get("since"):
                try:
                    since = fuzzy(FuzzyDate.parse(move["since"]))
                except ValueError:
                    since = {"text": move["since"]}
            moves.append(
                {"place": move.get("place", ""), "since": since, "note": move.get("note", "")}
            )
        return moves

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["gender"] = data["gender"] or ""
        return data


def _contacts(values) -> list[dict]:
    contacts = []
    for value in values:
        terms = contact_terms(value)
        contacts.append({"kind": terms[0].split(":", 1)[0] if terms else "handle", "value": value})
    return contacts


class PersonBody(Body):
    team = serializers.UUIDField(required=False, help_text="Needed only in several teams.")
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Person.Kind.choices, required=False)
    other_names = names_field(required=False)
    nicknames = names_field(required=False)
    gender = serializers.ChoiceField(choices=[("", "—"), *Person.Gender.choices], required=False)
    birth_date = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="1996, 1996-05, 1996-05-17 or ~1996",
    )
    nationality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=20, required=False
    )
    contacts = serializers.ListField(
        child=serializers.CharField(max_length=300),
        max_length=LONGEST_LIST,
        required=False,
        help_text="Phone numbers, e-mail addresses, Telegram or Signal handles.",
    )
    notes = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    whereabouts = MoveBody(many=True, required=False, help_text="Only when creating.")

    def validate_birth_date(self, value):
        if not value.strip():
            return None
        try:
            return PartialDate.parse(value)
        except ValueError:
            raise serializers.ValidationError(
                _(
                    "Enter a year (1996), a month (1996-05) or a day (1996-05-17), "
                    "~ for an estimate."
                )
            ) from None

    def validate_contacts(self, value):
        return _contacts(value)

    def validate_whereabouts(self, value):
        return [
            {
                "place": move["place"],
                "since": move["since"].machine() if move.get("since") else "",
                "note": move.get("note", ""),
            }
            for move in value
        ]


class PersonUpdateBody(PersonBody):
    team = None
    whereabouts = None


class DuplicateSerializer(Shown):
    a = serializers.DictField(help_text="One record: id and code.")
    b = serializers.DictField(help_text="The other.")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


MOVE = OpenApiParameter(
    "index", OpenApiTypes.INT, OpenApiParameter.PATH, description="0 is the oldest move."
)

# As many likely pairs as one answer holds, closest first.
DUPLICATES_SHOWN = 200


@extend_schema_view(
    list=extend_schema(summary="The people you may see", tags=["people"]),
    retrieve=extend_schema(summary="One person", tags=["people"]),
    create=extend_schema(summary="Record a person", request=PersonBody, tags=["people"]),
    partial_update=extend_schema(
        summary="Change a person (send If-Match)", request=PersonUpdateBody, tags=["people"]
    ),
    destroy=extend_schema(summary="Delete a person (send If-Match)", tags=["people"]),
)
class PersonViewSet(RecordViewSet):
    module = "people"
    model = Person
    serializer_class = PersonSerializer
    filters = {"kind": ("kind", Person.Kind.values)}
    create_body = PersonBody
    update_body = PersonUpdateBody

    def perform_create(self, team, data):
        name = data.pop("name")
        return actions.add_person(team=team, by=self.request.user, name=name, **data)

    def perform_update(self, person, data):
        return actions.update_person(person, by=self.request.user, **data)

    def perform_destroy(self, person):
        actions.remove_person(person, by=self.request.user)

    @extend_schema(
        summary="Likely duplicates among the people you may change, closest first",
        responses=DuplicateSerializer(many=True),
        tags=["people"],
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # one answer, closest first
    def duplicates(self, request):
        from haven.people.duplicates import find

        found = find(Person.objects.writable_by(request.user))
        record("people.duplicates.listed", summary=f"API: {len(found)} candidate pairs")
        rows = [
            {
                "a": ref(pair.a),
                "b": ref(pair.b),
                "score": round(pair.score, 3),
                "reasons": pair.reasons,
            }
            for pair in found[:DUPLICATES_SHOWN]
        ]
        return Response(DuplicateSerializer(rows, many=True).data)

    @extend_schema(
        summary="Add a move to a person's whereabouts (send If-Match)",
        request=MoveBody,
        tags=["people"],
    )
    @action(detail=True, methods=["post"], url_path="whereabouts")
    def whereabouts(self, request, id=None):
        person = get_for_user(Person, request.user, id, write=True)
        move = self.body(MoveBody)
        with transaction.atomic():
            check_if_match(request, person)
            person = actions.record_move(
                person,
                by=request.user,
                place=move["place"],
                since=move.get("since") or "",
                note=move.get("note", ""),
            )
        return self.shown(person)

    @extend_schema(
        summary="Correct a move of a person's whereabouts (send the person's If-Match)",
        parameters=[MOVE, IF_MATCH],
        request=MoveBody,
        responses=PersonSerializer,
        tags=["people"],
        methods=["PATCH"],
    )
    @extend_schema(
        summary="Take a move off a person's whereabouts (send the person's If-Match)",
        parameters=[MOVE, IF_MATCH],
        request=None,
        responses=PersonSerializer,
        tags=["people"],
        methods=["DELETE"],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path="whereabouts/<int:index>",
        url_name="move",
    )
    def move(self, request, id=None, index=None):
        """A move is a line of the person's whereabouts, not a record of its own: it is
        named by its place in the list (0 the oldest) and changed with the person's ETag,
        as the person's page edits it."""
        person = get_for_user(Person, request.user, id, write=True)
        given = self.body(MoveBody, partial=True) if request.method == "PATCH" else None
        moves = person.whereabouts or []
        if not 0 <= index < len(moves):  # (outside the transaction: the entry stays)
            record("access.denied", summary=f"person {person.uuid}: no move {index}")
            raise Http404
        with transaction.atomic():
            # The same version holds the same moves: the index still names the one read.
            check_if_match(request, person)
            if given is None:
                person = actions.remove_move(person, index, by=request.user)
            else:
                move = {**moves[index], **given}
                person = actions.change_move(
                    person,
                    index,
                    by=request.user,
                    place=move.get("place", ""),
                    since=move.get("since") or "",
                    note=move.get("note", ""),
                )
        return self.shown(person)
