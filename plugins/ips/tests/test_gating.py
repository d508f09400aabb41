"""Tenant gating: a tenant without IPS (tenant C) gets 404 on every IPS page and API operation,
of every slice, and sees no IPS navigation, panel or timeline entries."""

from __future__ import annotations

from tests.security.harness import sign_in, tenant_routes


def test_tenant_without_ips_gets_404_everywhere(app, world, client):
    routes = [r for r in tenant_routes(app) if r.endpoint.split(".")[0].startswith("ips")]
    blueprints = {r.endpoint.split(".")[0] for r in routes}
    assert {"ips", "ips_api", "ips_work", "ips_meetings", "ips_fidelity", "ips_surveys"} <= (
        blueprints
    )
    sign_in(client, world.c.emails["admin"])
    for route in routes:
        values = {slot: str(world.c.ids["client"][0]) for slot in route.id_slots}
        for method in route.methods:
            headers = world.c.auth() if route.is_api else {}
            response = client.open(route.url("tenant-c", values), method=method, headers=headers)
            assert response.status_code == 404, (method, route.rule, response.status_code)


def test_no_ips_navigation_or_panel_without_the_plugin(world, client):
    sign_in(client, world.c.emails["admin"])
    home = client.get("/tenant-c/").get_data(as_text=True)
    assert "/tenant-c/ips/" not in home and ">IPS<" not in home
    record = client.get(f"/tenant-c/clients/{world.c.ids['client'][0]}").get_data(as_text=True)
    assert "IPS supported employment" not in record
    assert "Refer to IPS" not in record


def test_ips_navigation_panel_and_timeline_with_the_plugin(world, client):
    sign_in(client, world.a.emails["admin"])
    home = client.get("/tenant-a/").get_data(as_text=True)
    assert 'href="/tenant-a/ips/"' in home
    record = client.get(f"/tenant-a/clients/{world.a.ids['client'][0]}").get_data(as_text=True)
    assert "IPS supported employment" in record
    assert f"/tenant-a/ips/referrals/{world.a.ids['ips_referral'][0]}" in record
    assert "Referred to IPS (Job Centre Plus)" in record  # timeline entry
    assert "Started a paid job: Barista" in record
    unshared = client.get(f"/tenant-a/clients/{world.a.ids['client'][1]}").get_data(as_text=True)
    assert "Not referred to IPS." in unshared
    assert f"/tenant-a/ips/clients/{world.a.ids['client'][1]}/refer" in unshared
