"""What every record resource shares: the one policy layer to read, the actions to
write, one audit entry per read, ETags from the record's version and If-Match on
every change, the reader's language, problem details for every refusal."""

from __future__ import annotations

import uuid as uuid_lib

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from haven.accounts.models import writable_teams
from haven.api.authentication import enter_api_context
from haven.api.problems import PreconditionFailed, PreconditionRequired
from haven.audit.actions import record
from haven.keys.fields import open_all
from haven.records.access import get_for_user, get_part_for_user
from haven.records.models import RecordVersion


def shown_names(serializer) -> set[str]:
    """The attributes a serializer reads of its instance (its fields' names and sources)."""
    return {name for name in serializer.fields} | {
        field.source.split(".")[0] for field in serializer.fields.values()
    }


def version_of(instance) -> int:
    """The number of the record's latest version (1 once created, +1 each change)."""
    return (
        RecordVersion.objects.filter(
            object_type=instance._meta.label_lower, object_uuid=instance.uuid
        ).aggregate(n=Max("number"))["n"]
        or 0
    )


def etag_of(instance) -> str:
    return f'"{version_of(instance)}"'


def check_if_match(request, instance) -> None:
    """Refuse a change made from a stale copy: 428 without If-Match, 412 when the record
    has a newer version than the one named. Called inside the change's transaction,
    with the row locked, so two clients cannot both pass on one version."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired(
            _("Send If-Match with the ETag of the version you read; nothing was changed.")
        )
    type(instance)._base_manager.select_for_update().filter(pk=instance.pk).first()
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in tags and etag_of(instance) not in tags:
        record("access.stale", target=instance, summary="If-Match names an older version")
        raise PreconditionFailed(
            _(
                "Someone changed this record after the version you read (now %(etag)s); "
                "nothing was changed. Read it again and send your change with its ETag."
            )
            % {"etag": etag_of(instance)}
        )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version you read; an older one is refused with 412.",
)


def part_schema(noun: str, tag: str, shown, body, *, path: list | None = None):
    """The reference of a part's route: read it, change it, delete it (If-Match)."""
    parameters = path or []

    def decorate(view):
        for method, options in (
            ("GET", {"summary": f"One {noun}, with its ETag", "responses": shown}),
            (
                "PATCH",
                {
                    "summary": f"Change a {noun} (send If-Match)",
                    "request": body,
                    "responses": shown,
                    "parameters": [IF_MATCH],
                },
            ),
            (
                "DELETE",
                {
                    "summary": f"Delete a {noun} (soft; send If-Match)",
                    "request": None,
                    "responses": {204: None},
                    "parameters": [IF_MATCH],
                },
            ),
        ):
            options["parameters"] = [*parameters, *options.get("parameters", [])]
            view = extend_schema(methods=[method], tags=[tag], **options)(view)
        return view

    return decorate


class ApiMixin:
    """The language of the response and the audit channel, for every API view."""

    def initial(self, request, *args, **kwargs):
        enter_api_context(request)
        for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
            try:
                language = translation.get_supported_language_variant(code)
            except LookupError:
                continue
            translation.activate(language)
            request._request.LANGUAGE_CODE = language
            break
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


class RecordViewSet(ApiMixin, viewsets.GenericViewSet):
    """List, read, create, change and delete one kind of record.

    Subclasses name ``module`` (the token scope), ``model``, the ``serializer_class``
    that shows a record, and, for what the UI allows, ``create_body``/``update_body``
    with ``perform_create``/``perform_update``/``perform_destroy`` that call the
    app's actions. Nothing here saves a model itself.
    """

    module: str
    model = None
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    related: tuple = ()
    # Query parameters that filter the list: name -> (column, allowed values or None).
    filters: dict = {}
    create_body = None
    update_body = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(
            "team", *self.related
        )

    def filter_queryset(self, queryset):
        params = self.request.query_params
        team = params.get("team")
        if team:
            try:
                queryset = queryset.filter(team__uuid=uuid_lib.UUID(team))
            except ValueError:
                raise exceptions.ValidationError({"team": [_("Not a team id.")]}) from None
        for name, (column, allowed) in self.filters.items():
            value = params.get(name)
            if value is None:
                continue
            if allowed is not None and value not in allowed:
                raise exceptions.ValidationError(
                    {name: [_("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}]}
                )
            queryset = queryset.filter(**{column: value})
        return queryset

    def label(self) -> str:
        return self.model._meta.label_lower

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record(f"{self.label()}.read", summary=f"API list: {len(page)}", records=page)
        shown = self.get_serializer(page, many=True)
        open_all(page, shown_names(shown.child))
        return self.get_paginated_response(shown.data)

    def get_object(self):
        return get_for_user(self.model, self.request.user, self.kwargs["id"])

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return self.shown(instance)

    def shown(self, instance, status_code=status.HTTP_200_OK, headers=None):
        response = Response(self.get_serializer(instance).data, status=status_code, headers=headers)
        response["ETag"] = etag_of(instance)
        return response

    def body(self, serializer_class, *, partial=False):
        body = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        return body.validated_data

    def writable_teams(self):
        """The teams the caller may create records in; 403 when there are none (checked
        before the body is read, as the creation page refuses before its form)."""
        teams = writable_teams(self.request.user)
        if not teams.exists():
            record("access.denied", summary=f"API create {self.label()}: no team to write in")
            raise exceptions.PermissionDenied(_("You are not a writing member of any team."))
        return teams

    def team_for_new(self, teams, data):
        """The team a new record goes to: the one named, or the user's only writable one."""
        named = data.pop("team", None)
        if named is None:
            if teams.count() > 1:
                raise exceptions.ValidationError(
                    {"team": [_("You are in several teams: name one.")]}
                )
            return teams.first()
        team = teams.filter(uuid=named).first()
        if team is None:
            raise exceptions.ValidationError({"team": [_("Name a team in which you may write.")]})
        return team

    def create(self, request, *args, **kwargs):
        if self.create_body is None:
            raise exceptions.MethodNotAllowed(request.method)
        teams = self.writable_teams()
        data = dict(self.body(self.create_body))
        with transaction.atomic():
            instance = self.perform_create(self.team_for_new(teams, data), data)
        return self.shown(instance, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        if self.update_body is None:
            raise exceptions.MethodNotAllowed(request.method)
        instance = get_for_user(self.model, request.user, self.kwargs["id"], write=True)
        data = self.body(self.update_body, partial=True)
        with transaction.atomic():
            check_if_match(request, instance)
            instance = self.perform_update(instance, dict(data))
        return self.shown(instance)

    def destroy(self, request, *args, **kwargs):
        if not hasattr(self, "perform_destroy"):  # the web keeps it too: no delete
            raise exceptions.MethodNotAllowed(request.method)
        instance = get_for_user(self.model, request.user, self.kwargs["id"], write=True)
        with transaction.atomic():
            check_if_match(request, instance)
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def part(self, parent, related: str, record_id, *, write=False):
        return get_part_for_user(self.request.user, parent, related, record_id, write=write)

    def writes(self) -> bool:
        return self.request.method not in SAFE_METHODS

    def part_answer(self, part, shown_class, *, body=None, change=None, remove=None):
        """One part of a record (an assessment of a case, an act of an incident), fetched
        by the caller through the getters (403/404 before any body is read):

        GET its content and ETag; PATCH ``change(part, data)`` with the fields sent;
        DELETE ``remove(part)``. Both changes need If-Match with the part's own ETag
        and run in one transaction with it, so a stale copy never overwrites."""
        if self.request.method == "PATCH":
            data = dict(self.body(body, partial=True))
            with transaction.atomic():
                check_if_match(self.request, part)
                part = change(part, data)
        elif self.request.method == "DELETE":
            with transaction.atomic():
                check_if_match(self.request, part)
                remove(part)
            return Response(status=status.HTTP_204_NO_CONTENT)
        response = Response(shown_class(part, context=self.get_serializer_context()).data)
        response["ETag"] = etag_of(part)
        return response

    def new_part(self, part, shown_class):
        """The answer to a part just added: 201, its content and its ETag."""
        shown = shown_class(part, context=self.get_serializer_context())
        response = Response(shown.data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_of(part)
        return response
