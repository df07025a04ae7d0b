"""The type-to-find field: what a typed name, code, phone or a sent id resolves to, within
the choices the policy allows, and what comes back when it does not resolve."""

import uuid

import pytest
from django import forms

from haven.accounts.tests.factories import TeamFactory
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.people.models import Person
from haven.vocab.models import term
from haven.web.pickers import (
    AuthorityPicker,
    NewPerson,
    PersonPicker,
    PersonsPicker,
    PlacePicker,
    team_of,
)


@pytest.fixture
def people(personas, person):
    by, team = personas.member, personas.team
    salekh = add_person(team=team, by=by, name="Салех Магамадов")
    ismail = add_person(team=team, by=by, name="Ismail Isayev", other_names=["Исмаил Исаев"])
    salman = add_person(team=team, by=by, name="Салман Тагиров")
    return {"ibragim": person, "salekh": salekh, "ismail": ismail, "salman": salman}


@pytest.fixture
def stranger(personas):
    """A person of a team the member is not on."""
    from haven.accounts.models import Membership

    other = TeamFactory(name="Other desk")
    writer = personas.outsider
    Membership.objects.create(team=other, user=writer, access=Membership.Access.MEMBER)
    return add_person(
        team=other,
        by=writer,
        name="Аслан Бисултанов",
        contacts=[{"kind": "phone", "value": "+7 928 555-44-33"}],
    )


def make_form(user, *, multiple=False, create=False, team=None):
    field_class = PersonsPicker if multiple else PersonPicker
    people = Person.objects.visible_to(user)
    if team is not None:
        people = people.filter(team_id=team.pk)

    class Form(forms.Form):
        person = field_class(label="Person", create=create)
        note = forms.CharField(required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["person"].queryset = people

    return Form


def clean(user, data, **options):
    form = make_form(user, **options)(data)
    with audit_context(Channel.WEB, actor=user):
        valid = form.is_valid()
        html = str(form["person"])
    return form, valid, html


def test_an_id_resolves_to_the_record(personas, people):
    form, valid, _html = clean(personas.member, {"person": str(people["salekh"].uuid)})
    assert valid and form.cleaned_data["person"] == people["salekh"]


def test_a_key_as_a_select_list_sent_still_resolves(personas, people):
    form, valid, _html = clean(personas.member, {"person": people["salekh"].pk})
    assert valid and form.cleaned_data["person"] == people["salekh"]


def test_a_code_resolves_whatever_its_case(personas, people):
    code = people["ismail"].code.lower()
    form, valid, _html = clean(personas.member, {"person_find": f"  {code} "})
    assert valid and form.cleaned_data["person"] == people["ismail"]


def test_a_latin_name_with_a_typo_finds_the_cyrillic_one(personas, people):
    form, valid, _html = clean(personas.member, {"person_find": "Salman Tagirow"})
    assert valid, form.errors
    assert form.cleaned_data["person"] == people["salman"]


def test_a_cyrillic_name_finds_the_latin_one(personas, people):
    form, valid, _html = clean(personas.member, {"person_find": "Исмаил Исаев"})
    assert valid and form.cleaned_data["person"] == people["ismail"]


def test_a_phone_number_finds_the_person_through_the_contact_index(personas, people):
    form, valid, _html = clean(personas.member, {"person_find": "+7 (928) 000 11 22"})
    assert valid and form.cleaned_data["person"] == people["ibragim"]


def test_an_ambiguous_name_comes_back_with_the_candidates_and_the_other_fields(personas, people):
    add_person(team=personas.team, by=personas.member, name="Салех Магамадов-младший")
    form = make_form(personas.member)({"person_find": "Салех Магамадов", "note": "kept"})
    with audit_context(Channel.WEB, actor=personas.member):
        assert not form.is_valid()
        html = form.as_div()
    assert "Several match “Салех Магамадов”" in str(form.errors["person"])
    assert f'type="radio" name="person" value="{people["salekh"].uuid}"' in html
    assert "Салех Магамадов-младший" in html
    assert 'value="kept"' in html
    # Choosing one of the candidates (the text box is empty again) saves it.
    form, valid, _html = clean(personas.member, {"person": str(people["salekh"].uuid)})
    assert valid and form.cleaned_data["person"] == people["salekh"]


def test_an_unknown_name_says_so(personas, people):
    form, valid, html = clean(personas.member, {"person_find": "Zzyzx Qwerty"})
    assert not valid
    assert "Nothing you may choose here matches “Zzyzx Qwerty”" in str(form.errors["person"])


def test_text_longer_than_a_few_names_is_refused_before_any_look_up(personas, people):
    """Each name typed is looked up (a look-up reads all of it): a megabyte of names sent
    at once is refused, not searched."""
    form, valid, _html = clean(personas.member, {"person_find": "Салех; " * 200}, multiple=True)
    assert not valid
    assert "Type at most 1000 characters here." in form.errors["person"]
    assert not AuditEntry.objects.filter(action="search.picker").exists()


def test_a_record_the_user_may_not_see_is_answered_as_an_unknown_id(personas, people, stranger):
    hidden, _v, _h = clean(personas.member, {"person": str(stranger.uuid)})
    unknown, _v, _h = clean(personas.member, {"person": str(uuid.uuid4())})
    by_key, _v, _h = clean(personas.member, {"person": stranger.pk})
    assert hidden.errors == unknown.errors == by_key.errors
    assert "not available" in str(hidden.errors["person"])
    # Nor does typing its name, code or phone number find it.
    for text in ("Аслан Бисултанов", stranger.code, "+7 928 555-44-33"):
        form, valid, html = clean(personas.member, {"person_find": text})
        assert not valid
        assert "Nothing you may choose here matches" in str(form.errors["person"])
        assert str(stranger.uuid) not in html and f'value="{stranger.pk}"' not in html


def test_typing_over_the_shown_choice_picks_the_typed_one(personas, people):
    salekh, salman = people["salekh"], people["salman"]
    form, valid, _html = clean(
        personas.member, {"person": str(salekh.uuid), "person_find": salman.code}
    )
    assert valid and form.cleaned_data["person"] == salman
    label = f"{salekh.code} {salekh.name}"
    form, valid, _html = clean(personas.member, {"person": str(salekh.uuid), "person_find": label})
    assert valid and form.cleaned_data["person"] == salekh


def test_several_people_at_once(personas, people):
    form, valid, html = clean(
        personas.member,
        {
            "person": [str(people["salekh"].uuid)],
            "person_find": "Ismail Isaev; " + people["salman"].code,
        },
        multiple=True,
    )
    assert valid, form.errors
    assert set(form.cleaned_data["person"]) == {
        people["salekh"],
        people["ismail"],
        people["salman"],
    }


def test_several_people_none_chosen_is_an_empty_queryset_when_optional(personas, people):
    Form = make_form(personas.member, multiple=True)
    Form.base_fields["person"].required = False
    form = Form({})
    assert form.is_valid() and list(form.cleaned_data["person"]) == []


def test_an_unknown_name_may_be_kept_as_a_new_person(personas, people):
    form, valid, html = clean(personas.member, {"person_find": "Зелимхан Новый"}, create=True)
    assert not valid
    assert 'value="new:Зелимхан Новый"' in html
    assert "Add a new person named “Зелимхан Новый”" in html
    form, valid, _html = clean(personas.member, {"person": "new:Зелимхан Новый"}, create=True)
    assert valid and form.cleaned_data["person"] == NewPerson("Зелимхан Новый")
    # Without ``create`` the same post is refused, as an unknown id is.
    form, valid, _html = clean(personas.member, {"person": "new:Зелимхан Новый"})
    assert not valid and "not available" in str(form.errors["person"])


def test_resolving_a_typed_text_is_audited(personas, people):
    before = AuditEntry.objects.filter(action="search.picker").count()
    clean(personas.member, {"person_find": "Salman Tagirow"})
    assert AuditEntry.objects.filter(action="search.picker").count() == before + 1


def test_the_edit_page_shows_the_current_choice(personas, people):
    Form = make_form(personas.member)
    form = Form(initial={"person": people["salekh"]})
    html = str(form["person"])
    assert f'name="person" value="{people["salekh"].uuid}"' in html
    assert f'value="{people["salekh"].code} Салех Магамадов"' in html


def test_the_team_the_choices_are_limited_to(personas):
    assert team_of(Person.objects.visible_to(personas.member).filter(team_id=7)) == 7
    assert team_of(Person.objects.visible_to(personas.member)) is None
    assert team_of(Person.objects.exclude(team_id=7)) is None


def test_a_place_by_either_name(db):
    class Form(forms.Form):
        place = PlacePicker(label="Place", queryset=Location.objects.all())

    grozny = Location.objects.get(name_en="Grozny")
    for text in ("Grozny", "грозный"):
        form = Form({"place_find": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["place"] == grozny
    assert Form({"place": grozny.pk}).is_valid()


def test_an_authority_by_its_label(db):
    from haven.vocab.models import Term, Vocabulary

    class Form(forms.Form):
        authority = AuthorityPicker(
            label="Authority", queryset=Term.objects.of(Vocabulary.AUTHORITY).current()
        )

    committee = term("authority", "ic_russia")
    form = Form({"authority_find": committee.label_ru})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["authority"] == committee
