"""People and what they may do: users, organisations, memberships, roles, API tokens."""
