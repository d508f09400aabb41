"""Partner single sign-on: OpenID Connect per tenant (DESIGN §6, SECURITY A1-A5, issue 6).

``config`` checks the ``[[sso]]`` tables of tenant files; ``discovery`` fetches and pins each
provider's metadata under the URL rules; ``client`` builds one authlib client per tenant and
provider; ``services`` turns verified claims into a user, identity and membership (or a refusal);
``views`` holds the routes ``/<tenant>/sign-in`` and ``/<tenant>/sso/<provider>/start|callback``.
"""
