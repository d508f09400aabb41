// Development OpenID provider for partner SSO (tests and `docker compose --profile dev`).
//
// NEVER for production: it has demo users, no passwords and ephemeral signing keys.
//
// Settings come from the environment, or from a JSON file named by OIDC_CONFIG (the tests
// write one):
//   OIDC_PORT               port to listen on (default 9010)
//   OIDC_HOST               address to bind (default 127.0.0.1; the compose service uses 0.0.0.0)
//   OIDC_ISSUER             issuer string (default http://127.0.0.1:<port>)
//   OIDC_CLOCK_SKEW_SECONDS shift this provider's clock (tests: tokens that are already expired)
//   OIDC_DEV_CLIENT_SECRET  secret of the built-in demo clients (default below)
//   OIDC_APP_URLS           comma-separated base URLs of the app, for the demo clients'
//                           redirect URIs (default http://127.0.0.1:5000,http://localhost:5000,
//                           http://127.0.0.1:8000,http://localhost:8000)
//
// Sign-in: the authorization request lands on /interaction/<uid>, a form listing the demo users;
// POST `login=<user key>` signs that user in. Consent is implied (loadExistingGrant), so a test
// drives the whole flow with two HTTP requests. The users file is re-read on every lookup, so a
// test can change a user's groups between two sign-ins (a leaver).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Provider } from 'oidc-provider';

const configFile = process.env.OIDC_CONFIG;
const fileConfig = configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : {};

const port = Number(fileConfig.port ?? process.env.OIDC_PORT ?? 9010);
const host = fileConfig.host ?? process.env.OIDC_HOST ?? '127.0.0.1';
const issuer = fileConfig.issuer ?? process.env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const skew = Number(fileConfig.clockSkewSeconds ?? process.env.OIDC_CLOCK_SKEW_SECONDS ?? 0);

if (skew) {
  // Every time oidc-provider reads (iat, exp, code and session expiry) comes from Date.now.
  const realNow = Date.now;
  Date.now = () => realNow() + skew * 1000;
}

const DEMO_USERS = {
  'jcp-coach': {
    sub: 'jcp-coach-0001',
    name: 'Jo Coach (demo)',
    email: 'jo.coach@jcp.demo.example',
    groups: ['jcp-work-coach'],
  },
  'college-tutor': {
    sub: 'college-tutor-0001',
    name: 'Ria Tutor (demo)',
    email: 'ria.tutor@college.demo.example',
    groups: ['recovery-college-tutor'],
  },
  'no-role': {
    sub: 'no-role-0001',
    name: 'Noor Visitor (demo)',
    email: 'noor.visitor@jcp.demo.example',
    groups: ['jcp-reception'],
  },
};

function users() {
  if (!configFile) return DEMO_USERS;
  // Re-read so tests can change claims between sign-ins.
  const fresh = JSON.parse(readFileSync(configFile, 'utf8'));
  return fresh.users ?? DEMO_USERS;
}

function demoClients() {
  const secret = process.env.OIDC_DEV_CLIENT_SECRET || 'stepping-stones-dev-secret';
  const bases = (process.env.OIDC_APP_URLS
    || 'http://127.0.0.1:5000,http://localhost:5000,http://127.0.0.1:8000,http://localhost:8000')
    .split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean);
  const tenants = {
    'southern-health': ['jcp', 'recovery-college'],
    'sussex-partnership': ['jcp', 'recovery-college'],
  };
  return Object.entries(tenants).map(([tenant, providers]) => ({
    client_id: `${tenant}-dev`,
    client_secret: secret,
    redirect_uris: bases.flatMap((b) => providers.map((p) => `${b}/sso/${tenant}/${p}/callback`)),
    post_logout_redirect_uris: bases.map((b) => `${b}/sign-in?tenant=${tenant}`),
  }));
}

const clients = (fileConfig.clients ?? demoClients()).map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));

const provider = new Provider(issuer, {
  clients,
  findAccount: async (_ctx, sub) => {
    const user = Object.values(users()).find((u) => u.sub === sub);
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ ...user, email_verified: true }) };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // Put scope claims (groups) into the ID token as well as userinfo.
  conformIdTokenClaims: false,
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256', 'PS256'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  // With a skewed clock, cookies would be born expired for the (unskewed) browser: stretch the
  // lifetimes that set cookie expiry by the skew. ID tokens keep 10 minutes, so expire at once.
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60 + Math.abs(skew),
    IdToken: 600,
    Interaction: 600 + Math.abs(skew),
    Session: 3600 + Math.abs(skew),
    Grant: 3600 + Math.abs(skew),
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    // A development provider: every client is first-party, consent is implied.
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['stepping-stones-dev-provider-only'] },
});
provider.proxy = true;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const form = await readForm(req);
    const user = users()[form.get('login') || ''];
    if (!user) {
      res.statusCode = 400;
      res.end('unknown demo user');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  const options = Object.entries(users())
    .map(([key, u]) => `<li><button name="login" value="${escape(key)}">${escape(u.name)}`
      + ` (${escape((u.groups || []).join(', ') || 'no groups')})</button></li>`)
    .join('');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html lang="en"><head><title>Dev OpenID provider</title></head><body>
<h1>Development OpenID provider</h1><p>Client ${escape(details.params.client_id)}.
Choose a demo user (no password: development only).</p>
<form method="post" action="/interaction/${escape(details.uid)}"><ul>${options}</ul></form>
</body></html>`);
}

const handler = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  handler(req, res);
});

server.listen(port, host, () => {
  console.log(`dev OpenID provider ${issuer} listening on ${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
