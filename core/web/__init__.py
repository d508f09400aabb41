"""The web interface (server-rendered Jinja on the NHS.UK frontend)."""
