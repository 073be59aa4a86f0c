import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type JWK } from 'oidc-provider';

/**
 * A real OpenID provider (the `oidc-provider` package) on 127.0.0.1 with one confidential client
 * (client_secret_basic, PKCE required). Its accounts are the test's to change between sign-ins.
 * The sign-in page is the smallest there can be: a form taking the account id, which signs in
 * and consents to what the client asked in one step (or cancels, with `cancel=1`).
 */

export interface AccountClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** By account id (the subject); read at every sign-in. */
  accounts: Map<string, AccountClaims>;
  /** Answer discovery with 503 while true (the provider is down). */
  discoveryDown: boolean;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUri: string): Promise<TestProvider> {
  const accounts = new Map<string, AccountClaims>();
  const clientSecret = randomBytes(24).toString('base64url');
  const state = { discoveryDown: false };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://provider').pathname;
    if (state.discoveryDown && path === '/.well-known/openid-configuration') {
      response.writeHead(503).end();
      return;
    }
    if (/^\/interaction\/[\w-]+$/.test(path)) {
      interaction(provider, request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
      return;
    }
    void provider.callback()(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  // Requests arrive only once the issuer (its port) is known and the provider exists.
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'vigil',
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    async findAccount(_ctx, id) {
      const claims = accounts.get(id);
      return claims && { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' } as JWK] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });

  return {
    issuer,
    clientId: 'vigil',
    clientSecret,
    accounts,
    get discoveryDown() {
      return state.discoveryDown;
    },
    set discoveryDown(down: boolean) {
      state.discoveryDown = down;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GET: the sign-in form. POST `login=<account id>`: signed in and consented; `cancel=1`: access_denied. */
async function interaction(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(`<form method="post" action="/interaction/${details.uid}"><input name="login"><button>Sign in</button></form>`);
    return;
  }
  const form = new URLSearchParams(await readBody(request));
  if (form.get('cancel')) {
    await provider.interactionFinished(request, response, { error: 'access_denied', error_description: 'The person cancelled' }, { mergeWithLastSubmission: false });
    return;
  }
  const accountId = form.get('login') ?? '';
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const result = { login: { accountId }, consent: { grantId: await grant.save() } };
  await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}
