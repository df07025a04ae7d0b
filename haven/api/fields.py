"""The shapes every resource shares: vague dates spelled out, vocabulary terms with
their label in the reader's language, references to records by UUID, and bodies that
refuse fields they do not know."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.vocab.models import Term

FUZZY_DATE = inline_serializer(
    "FuzzyDate",
    {
        "earliest": serializers.DateField(help_text="The first day it may have been."),
        "latest": serializers.DateField(help_text="The last day it may have been."),
        "precision": serializers.CharField(
            help_text="day, month, season, year, before or after (a range keeps its unit)."
        ),
        "estimated": serializers.BooleanField(),
        "text": serializers.CharField(
            help_text="As a person would say it, in the language of the response."
        ),
        "machine": serializers.CharField(
            help_text="The form to send back: 2020-04, summer 2021, before 2019."
        ),
    },
)


def fuzzy(value: FuzzyDate | PartialDate | None) -> dict | None:
    if value is None:
        return None
    if isinstance(value, PartialDate):
        value = value.fuzzy()
    return {
        "earliest": value.earliest.isoformat(),
        "latest": value.latest.isoformat(),
        "precision": value.precision,
        "estimated": value.estimated,
        "text": value.label(),
        "machine": value.machine(),
    }


@extend_schema_field(FUZZY_DATE)
class FuzzyDateField(serializers.Field):
    """Read: the object above. Write: a text ``FuzzyDate.parse`` reads, in English or
    Russian ("2020-04", "summer 2021", "весна 2020", "before 2019", "~1996")."""

    def to_representation(self, value):
        return fuzzy(value)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("machine") or data.get("text")
        if not isinstance(data, str) or len(data) > 100:
            raise serializers.ValidationError(
                _("Send a date as text, e.g. 2020-04 or summer 2021.")
            )
        if not data.strip():
            return None
        try:
            return FuzzyDate.parse(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


TERM = inline_serializer(
    "Term",
    {
        "vocabulary": serializers.CharField(),
        "code": serializers.CharField(),
        "label": serializers.CharField(help_text="In the language of the response."),
    },
)


def term_of(value: Term | None) -> dict | None:
    if value is None:
        return None
    return {"vocabulary": value.vocabulary, "code": value.code, "label": value.label}


@extend_schema_field(TERM)
class TermField(serializers.Field):
    """Read: the term with its label. Write: its code, among the current terms of
    ``vocabulary``."""

    def __init__(self, vocabulary: str, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(**kwargs)

    def to_representation(self, value):
        return term_of(value)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("code")
        if not isinstance(data, str) or len(data) > 60:
            raise serializers.ValidationError(_("Send the code of a term."))
        found = Term.objects.current().filter(vocabulary=self.vocabulary, code=data).first()
        if found is None:
            raise serializers.ValidationError(
                _("%(code)s is not a term of %(vocabulary)s.")
                % {"code": data[:60], "vocabulary": self.vocabulary}
            )
        return found


REF = inline_serializer(
    "RecordRef",
    {"id": serializers.UUIDField(), "code": serializers.CharField(required=False)},
)


def ref(record) -> dict | None:
    if record is None:
        return None
    found = {"id": str(record.uuid)}
    if getattr(record, "code", None):
        found["code"] = record.code
    return found


@extend_schema_field(REF)
class RecordField(serializers.Field):
    """Read: ``{"id", "code"}``. Write: the UUID of a record of ``model`` that the caller
    may see; any other id is "not found", whether it exists elsewhere or not."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def to_representation(self, value):
        return ref(value)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        user = self.context["request"].user
        try:
            found = self.model.objects.visible_to(user).filter(uuid=str(data)).first()
        except (ValueError, TypeError, DjangoValidationError):  # a malformed id
            found = None
        if found is None:
            raise serializers.ValidationError(_("There is no such record, or you may not see it."))
        return found


TEAM = inline_serializer(
    "TeamRef", {"id": serializers.UUIDField(), "name": serializers.CharField()}
)


@extend_schema_field(TEAM)
class TeamField(serializers.Field):
    def to_representation(self, value):
        return {"id": str(value.uuid), "name": value.name}


class Shown(serializers.Serializer):
    """A record as the API shows it: an empty text is "" (an encrypted field left
    empty may be stored as nothing), never null, as the schema says."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if (
                data.get(name) is None
                and type(field) is serializers.CharField
                and not field.allow_null
            ):
                data[name] = ""
        return data


class Body(serializers.Serializer):
    """A request body: a field this resource does not know is refused, not ignored
    (a misspelt field would otherwise be silently lost)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        unknown = sorted(str(name)[:60] for name in set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field is unknown here.")] for name in unknown}
            )
        return super().to_internal_value(data)


class DateTimeField(serializers.DateTimeField):
    """DRF's, except that a time the server's zone cannot hold (the first hours of year
    1, east of UTC) is refused as invalid rather than overflowing."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            raise serializers.ValidationError(
                _("This date is outside the years Haven keeps.")
            ) from None
