import pytest
from django.urls import reverse

from conftest import sign_in
from haven.locations.models import Location, within
from haven.tests.access import check_access
from haven.tests.helpers import ADMIN_ONLY, once_token, post_form


def test_pages_by_persona(personas):
    grozny = Location.objects.get(name_en="Grozny")
    check_access(personas, "locations:list", reverse("locations:list"), ADMIN_ONLY)
    check_access(personas, "locations:new", reverse("locations:new"), ADMIN_ONLY)
    check_access(
        personas, "locations:edit", reverse("locations:edit", kwargs={"pk": grozny.pk}), ADMIN_ONLY
    )


def test_add_a_village_and_find_it_inside_its_region(client, personas):
    district = Location.objects.get(name_en="Shalinsky District")
    sign_in(client, personas.administrator)
    response = post_form(
        client,
        reverse("locations:new"),
        {
            "parent": district.pk,
            "kind": "town",
            "name_en": "Serzhen-Yurt",
            "name_ru": "Сержень-Юрт",
            "latitude": "43.0",
            "longitude": "45.9",
        },
    )
    assert response.status_code == 302
    village = Location.objects.get(name_en="Serzhen-Yurt")
    assert village in within(Location.objects.get(name_en="Chechen Republic"))


def test_bad_coordinates_and_loops_are_refused(client, personas):
    chechnya = Location.objects.get(name_en="Chechen Republic")
    grozny = Location.objects.get(name_en="Grozny")
    sign_in(client, personas.administrator)
    response = client.post(
        reverse("locations:edit", kwargs={"pk": chechnya.pk}),
        {
            "parent": grozny.pk,
            "kind": "region",
            "name_en": "Chechen Republic",
            "name_ru": "Чеченская Республика",
            "latitude": "95",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be inside itself" in html and "between -90 and 90" in html
    chechnya.refresh_from_db()
    assert grozny in within(chechnya)


def test_moving_a_place_moves_its_subtree(db):
    grozny = Location.objects.get(name_en="Grozny")
    district = Location.objects.get(name_en="Grozny District")
    grozny.parent = district
    grozny.save()
    assert Location.objects.get(pk=grozny.pk).path.startswith(district.path)


def test_a_place_form_sent_twice_adds_one_place(client, personas):
    district = Location.objects.get(name_en="Shalinsky District")
    sign_in(client, personas.administrator)
    data = {"parent": district.pk, "kind": "town", "name_en": "Duba-Yurt", "name_ru": "Дуба-Юрт"}
    token = once_token(client.get(reverse("locations:new")))
    for _ in range(2):
        client.post(reverse("locations:new"), {**data, "once": token})
    assert Location.objects.filter(name_en="Duba-Yurt").count() == 1


def test_save_place_refuses_fields_it_does_not_edit(db):
    from haven.locations.actions import save_place

    grozny = Location.objects.get(name_en="Grozny")
    with pytest.raises(TypeError, match="path"):
        save_place(grozny, path="/1/")
