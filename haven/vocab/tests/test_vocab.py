"""Vocabularies: seeded, edited by administrators only, retired rather than deleted in use."""

from django.urls import reverse

from conftest import sign_in
from haven.cases import actions
from haven.tests.access import check_access
from haven.tests.helpers import ADMIN_ONLY, once_token, post_form
from haven.vocab.models import Term, term
from haven.vocab.seed import DEFAULT_TERMS


def test_every_default_term_is_seeded_with_both_labels(db):
    for vocabulary, terms in DEFAULT_TERMS.items():
        for code, _en, _ru in terms:
            seeded = term(vocabulary, code)
            assert seeded.label_en and seeded.label_ru


def test_label_follows_the_language(db):
    from django.utils import translation

    hotline = term("channel", "hotline")
    with translation.override("ru"):
        assert hotline.label == "Горячая линия"
    with translation.override("en"):
        assert hotline.label == "Hotline"


def test_pages_by_persona(personas):
    hotline = term("channel", "hotline")
    check_access(personas, "vocab:list", reverse("vocab:list"), ADMIN_ONLY)
    check_access(
        personas,
        "vocab:term_new",
        reverse("vocab:term_new", kwargs={"vocabulary": "channel"}),
        ADMIN_ONLY,
    )
    check_access(
        personas,
        "vocab:term_edit",
        reverse("vocab:term_edit", kwargs={"pk": hotline.pk}),
        ADMIN_ONLY,
    )
    for name in ("vocab:term_retire", "vocab:term_delete"):
        check_access(
            personas,
            name,
            reverse(name, kwargs={"pk": hotline.pk}),
            {**ADMIN_ONLY, "administrator": 405},
        )
        check_access(
            personas,
            name,
            reverse(name, kwargs={"pk": hotline.pk}),
            {"member": 403, "outsider": 403},
            method="post",
        )


def test_add_edit_retire_and_delete(client, personas):
    sign_in(client, personas.administrator)
    new = reverse("vocab:term_new", kwargs={"vocabulary": "channel"})
    data = {"code": "whatsapp", "label_en": "WhatsApp", "label_ru": "WhatsApp", "position": 70}
    token = once_token(client.get(new))
    assert client.post(new, {**data, "once": token}).status_code == 302
    added = term("channel", "whatsapp")
    resent = client.post(new, {**data, "once": token})  # the same form sent again
    assert resent.status_code == 302
    assert Term.objects.filter(vocabulary="channel", code="whatsapp").count() == 1
    duplicate = post_form(client, new, {**data, "label_en": "x"})
    assert duplicate.status_code == 400
    assert "already has a term with this code" in duplicate.content.decode()
    client.post(
        reverse("vocab:term_edit", kwargs={"pk": added.pk}),
        {
            "code": "changed",
            "label_en": "WhatsApp messenger",
            "label_ru": "WhatsApp",
            "position": 70,
        },
    )
    added.refresh_from_db()
    assert (added.code, added.label_en) == ("whatsapp", "WhatsApp messenger")  # code is stable
    client.post(reverse("vocab:term_delete", kwargs={"pk": added.pk}))
    assert not Term.objects.filter(pk=added.pk).exists()


def test_term_in_use_is_retired_not_deleted(client, personas, person):
    used = term("channel", "signal")
    actions.record_request(team=personas.team, by=personas.member, channel=used, summary="x")
    sign_in(client, personas.administrator)
    response = client.post(reverse("vocab:term_delete", kwargs={"pk": used.pk}), follow=True)
    assert "in use" in response.content.decode()
    assert Term.objects.filter(pk=used.pk).exists()
    client.post(reverse("vocab:term_retire", kwargs={"pk": used.pk}))
    used.refresh_from_db()
    assert used.retired
    assert used not in Term.objects.of("channel").current()


def test_unknown_vocabulary_is_404(client, personas):
    sign_in(client, personas.administrator)
    assert client.get(reverse("vocab:term_new", kwargs={"vocabulary": "nope"})).status_code == 404
