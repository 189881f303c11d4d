// A real OpenID provider on loopback for the tests: npm `oidc-provider` (a certified
// implementation of OpenID Connect), with one confidential client for lifepath. Started by
// scripts/test-server.sh and scripts/test-demo.sh; prints its issuer URL as the first line.
//
// Sign-in without a person at a keyboard: the interaction pages of this provider sign in the
// account named by the authorization request's `login_hint` (an email) and consent at once —
// everything else (the authorization request with PKCE, the code, the token endpoint with the
// client's secret, the signed ID token with the nonce, the JWKS) is oidc-provider's own.
// Accounts are made by the tests through `POST /test/accounts {email, email_verified, name}`
// (their `sub` is derived from the email, so the same email is the same person); a request
// without `login_hint` signs in the account set by `POST /test/default {email}`.
//
// Usage: node tests/oidc/provider.mjs [port]   (env OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
import http from 'node:http';
import { createHash } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);
const clientId = process.env.OIDC_CLIENT_ID ?? 'lifepath-test';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'lifepath-test-secret-lifepath-test-secret';

const accounts = new Map(); // sub → {email, email_verified, name}
let defaultEmail;
const subOf = (email) => `sub-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 20)}`;

const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      // A loopback redirect on any port (RFC 8252 §7.3): the test servers bind port 0.
      application_type: 'native',
      redirect_uris: [
        'http://127.0.0.1/api/v1/auth/oidc/test/callback',
        'http://127.0.0.1/api/v1/auth/oidc/other/callback',
      ],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The email claims in the ID token itself (as Google and Apple do).
  conformIdTokenClaims: false,
  findAccount: async (_ctx, sub) => {
    const a = accounts.get(sub);
    if (!a) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...a }) };
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['lifepath-test-oidc-cookie-key'] },
  ttl: { Session: 60, Interaction: 600, Grant: 600, AuthorizationCode: 60, IdToken: 600, AccessToken: 600 },
});
provider.proxy = false;

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const readBody = (req) =>
  new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/test/accounts') {
      const a = JSON.parse(await readBody(req));
      const sub = subOf(a.email);
      accounts.set(sub, { email: a.email, email_verified: a.email_verified !== false, name: a.name ?? 'Test Person' });
      return json(res, 201, { sub });
    }
    if (req.method === 'POST' && req.url === '/test/default') {
      // The account signed in when the request has no login_hint (a "Sign in with" button).
      defaultEmail = JSON.parse(await readBody(req)).email;
      return json(res, 204, {});
    }
    if (req.url.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        const hint = details.params.login_hint ?? defaultEmail;
        const sub = hint ? subOf(hint) : undefined;
        if (!sub || !accounts.has(sub)) {
          return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'no such test account' }, { mergeWithLastSubmission: false });
        }
        return provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
      }
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    return callback(req, res);
  } catch (e) {
    console.error(e);
    json(res, 500, { error: String(e) });
  }
});

console.log(issuer);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
