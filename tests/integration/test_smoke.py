"""The basic request path works end to end on PostgreSQL."""


def test_me_answers_for_a_member(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/me", headers=world.a.auth())
    assert response.status_code == 200
    assert response.json["tenant"]["slug"] == world.a.slug
    assert "canary.notes.read" in response.json["permissions"]


def test_canary_notes_listed_only_for_own_tenant(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/canary/notes", headers=world.a.auth())
    assert response.status_code == 200
    assert [n["text"] for n in response.json] == ["note of tenant-a"]
