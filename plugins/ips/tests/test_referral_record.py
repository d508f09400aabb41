"""The client record: the subject-access export holds every IPS row about the client, and the
timeline shows IPS events to staff only."""

from __future__ import annotations

EXPORT_KINDS = {
    "referrals": "ips_referral",
    "vocational profiles": "ips_vocational_profile",
    "benefits advice": "ips_benefits_advice",
    "starts": "ips_outcome",
    "support contacts": "ips_support_contact",
    "employer contacts": "ips_employer_contact",
    "retention cases": "ips_retention_case",
    "joint meetings": "ips_joint_meeting",
    "joint meeting discussions": "ips_joint_meeting_client",
    "joint meeting actions": "ips_joint_meeting_action",
    "surveys": "ips_survey",
}


def test_subject_access_export_has_every_ips_row_about_the_client(world, client):
    sam, jo = world.a.ids["client"]
    response = client.get(f"/api/v1/tenant-a/clients/{sam}/export", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    sections = {s["title"]: s for s in response.json["plugins"] if s["source"] == "ips"}
    assert set(sections) == {f"IPS {kind}" for kind in EXPORT_KINDS}
    for kind, table in EXPORT_KINDS.items():
        ids = [r["id"] for r in sections[f"IPS {kind}"]["records"]]
        assert ids == [str(world.a.ids[table][0])], kind
    profile = sections["IPS vocational profiles"]["records"][0]
    assert profile["barriers"] == "Anxiety in crowds" and "tenant_id" not in profile
    other = client.get(f"/api/v1/tenant-a/clients/{jo}/export", headers=world.a.auth())
    assert all(
        s["records"] == [] for s in other.json["plugins"] if s["source"] == "ips"
    )  # nothing about Jo


def test_timeline_has_ips_events_for_staff_not_partners(world, client):
    sam = world.a.ids["client"][0]
    url = f"/api/v1/tenant-a/clients/{sam}/timeline"
    staff = client.get(url, headers=world.a.auth("practitioner")).json
    kinds = {e["kind"] for e in staff["entries"] if e["source"] == "ips"}
    assert kinds == {
        "ips.referral", "ips.accepted", "ips.start", "ips.support", "ips.employer_contact",
        "ips.retention", "ips.joint_meeting", "ips.survey",
    }  # fmt: skip
    partner = client.get(url, headers=world.a.auth("partner")).json
    assert not [e for e in partner["entries"] if e["source"] == "ips"]
