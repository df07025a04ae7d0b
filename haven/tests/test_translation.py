"""The Russian translation is complete, compiled, and what Russian users actually see."""

import re
from pathlib import Path

import polib
from django.urls import reverse

from conftest import sign_in

PO = Path(__file__).resolve().parents[1] / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete_and_not_fuzzy():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue.translated_entries():
        placeholders = set(re.findall(r"%\(\w+\)[sd]", entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert set(re.findall(r"%\(\w+\)[sd]", text)) == placeholders, entry.msgid


def test_compiled_catalogue_matches_the_source(tmp_path):
    fresh = tmp_path / "django.mo"
    polib.pofile(str(PO)).save_as_mofile(str(fresh))
    assert fresh.read_bytes() == PO.with_suffix(".mo").read_bytes(), (
        "django.mo is stale: run `make messages`"
    )


def test_russian_pages_show_no_english_text(client, personas, person):
    """Every English sentence of the catalogue is absent from the Russian pages."""
    english = [
        entry.msgid
        for entry in polib.pofile(str(PO))
        if len(entry.msgid) > 12 and "%" not in entry.msgid and entry.msgid != entry.msgstr
    ]
    from haven.accounts.actions import add_member

    add_member(personas.team, personas.administrator, by=personas.administrator, reason="test")
    personas.administrator.language = "ru"
    personas.administrator.save()
    sign_in(client, personas.administrator)
    pages = [
        "web:home",
        "accounts:account",
        "accounts:password",
        "admin:users",
        "admin:teams",
        "audit:log",
        "people:list",
        "people:new",
    ]
    urls = [reverse(name) for name in pages] + [
        reverse(name, kwargs={"uuid": person.uuid})
        for name in ("people:detail", "people:edit", "people:history")
    ]
    for name in urls:
        response = client.get(name)
        assert response.status_code == 200, name
        html = response.content.decode()
        for sentence in english:
            assert sentence not in html, f"{name} shows untranslated {sentence!r}"
