import * as client from 'openid-client';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Logger } from '../kernel/log.ts';
import { recordChange, runAs } from './audit.ts';
import type { User } from './model.ts';
import { claimValues, planSignIn, type SsoIdentity, type SsoPolicy } from './oidc-plan.ts';
import { PENDING_LOGIN_MS, openPendingLogin, pendingLoginKey, sealPendingLogin } from './oidc-pending.ts';
import type { AccessService } from './service.ts';
import { users } from './schema.ts';

/**
 * Single sign-on with OpenID Connect (SPEC §8.1, issue 17): the authorization code flow with PKCE,
 * state and nonce. The provider is found by discovery on first use; the sign-in under way lives in
 * a sealed cookie (oidc-pending.ts); who signs in as whom is decided by oidc-plan.ts.
 */

export interface OidcConfig extends SsoPolicy {
  /** The issuer URL; plain http only on this machine (a provider the tests start). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** The sign-in button's label. */
  name?: string;
}

export interface OidcDependencies {
  db: Db;
  access: AccessService;
  /** Vigil's secret key: the pending sign-in's HMAC key is derived from it. */
  secretKey: Buffer;
  log: Logger;
}

/** A sign-in that cannot finish: `message` is for the person, `reason` for the log (never a token or code). */
export class SignInRefused extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface SignedIn {
  sessionId: string;
  user: User;
  returnTo: string;
  /** How the user was found: by their identity, by email (now linked), or created now. */
  how: 'known' | 'linked' | 'created';
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
const DISCOVERY_TIMEOUT_SECONDS = 10;
const Email = z.email();
const START_AGAIN = 'Start again';

export class OidcService {
  private configuration?: Promise<client.Configuration>;
  private readonly key: Buffer;
  private readonly insecure: boolean;

  constructor(
    private readonly config: OidcConfig,
    private readonly deps: OidcDependencies,
  ) {
    const issuer = new URL(config.issuer);
    this.insecure = issuer.protocol === 'http:';
    if (this.insecure && !LOOPBACK.test(issuer.hostname)) throw new Error(`The OpenID issuer ${issuer.origin} must use https (plain http only on this machine)`);
    this.key = pendingLoginKey(deps.secretKey);
  }

  get name(): string | undefined {
    return this.config.name;
  }

  /** Where to send the browser, and the sealed pending sign-in for its cookie. */
  async begin(returnTo: string, redirectUri: string, now = Date.now()): Promise<{ url: URL; pending: string; maxAgeSeconds: number }> {
    const configuration = await this.discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const pending = sealPendingLogin({ state, nonce, codeVerifier, returnTo, redirectUri, expiresAt: now + PENDING_LOGIN_MS }, this.key);
    return { url, pending, maxAgeSeconds: PENDING_LOGIN_MS / 1000 };
  }

  /**
   * Finishes a sign-in from the provider's answer (the callback's query) and the pending cookie:
   * the code grant checks state, nonce and PKCE; then the user is found, linked or created, and a
   * session starts.
   */
  async complete(answer: URLSearchParams, pendingCookie: string | undefined, now = Date.now()): Promise<SignedIn> {
    const pending = openPendingLogin(pendingCookie, this.key, now);
    if (pending === 'missing') throw new SignInRefused(`No sign-in is under way in this browser (cookies off, or finished already). ${START_AGAIN}`, 'no pending sign-in cookie');
    if (pending === 'forged') throw new SignInRefused(`The sign-in could not be verified. ${START_AGAIN}`, 'the pending sign-in cookie failed its HMAC check');
    if (pending === 'expired') throw new SignInRefused(`The sign-in took longer than ${PENDING_LOGIN_MS / 60_000} minutes. ${START_AGAIN}`, 'the pending sign-in expired');
    const configuration = await this.discover();
    const callback = new URL(pending.redirectUri);
    callback.search = answer.toString();
    const tokens = await client
      .authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true })
      .catch((error: unknown) => {
        throw refusalOf(error);
      });
    const claims = await this.claimsOf(configuration, tokens);
    const identity = this.identityOf(claims);
    // Users created or linked, and roles the provider changed, are audited as single sign-on itself.
    const actor = { kind: 'system', id: 'sso', label: `single sign-on (${identity.issuer})` } as const;
    const found = await runAs(actor, () => this.findOrCreate(identity));
    const sessionId = await runAs(actor, () => this.deps.access.startSession(found.userId, found.role));
    return { sessionId, user: await this.deps.access.getUser(found.userId), returnTo: pending.returnTo, how: found.how };
  }

  /** Discovery on first use, then kept; a failure is not kept, so the next sign-in asks again. */
  private discover(): Promise<client.Configuration> {
    this.configuration ??= client
      .discovery(new URL(this.config.issuer), this.config.clientId, undefined, client.ClientSecretBasic(this.config.clientSecret), {
        execute: this.insecure ? [client.allowInsecureRequests] : [],
        timeout: DISCOVERY_TIMEOUT_SECONDS,
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        this.deps.log.warn({ err: error, issuer: this.config.issuer }, 'Could not discover the OpenID provider');
        throw new SignInRefused('The sign-in provider cannot be reached; try again later', `discovery of ${this.config.issuer} failed`);
      });
    return this.configuration;
  }

  /** The ID token's claims, completed by the UserInfo endpoint's (many providers keep groups and email there). */
  private async claimsOf(configuration: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<Record<string, unknown>> {
    const idToken = tokens.claims()!;
    if (!configuration.serverMetadata().userinfo_endpoint) return idToken;
    const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub).catch((error: unknown) => {
      throw refusalOf(error);
    });
    // The ID token is signed and bound to this sign-in's nonce: where both say something, it wins.
    return { ...userInfo, ...idToken };
  }

  private identityOf(claims: Record<string, unknown>): SsoIdentity {
    const email = typeof claims.email === 'string' && Email.safeParse(claims.email).success ? claims.email : undefined;
    return {
      issuer: String(claims.iss),
      subject: String(claims.sub),
      email,
      // Some providers (Cognito) send the boolean as a string.
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : undefined,
      roleValues: claimValues(claims, this.config.roleClaim),
    };
  }

  /** Carries out planSignIn; two first sign-ins at once both end up with the one user (the unique keys decide). */
  private async findOrCreate(identity: SsoIdentity, attempt = 0): Promise<{ userId: string; role?: User['role']; how: SignedIn['how'] }> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const select = { id: users.id, role: users.role, grants: users.grants, disabled: users.disabled, oidcSubject: users.oidcSubject };
      const [linked] = await tx
        .select(select)
        .from(users)
        .where(and(eq(users.oidcIssuer, identity.issuer), eq(users.oidcSubject, identity.subject)));
      const [sameEmail] = linked || !identity.email ? [] : await tx.select(select).from(users).where(sql`lower(${users.email}) = ${identity.email.toLowerCase()}`);
      const plan = planSignIn(identity, linked, sameEmail, this.config);
      if (plan.action === 'refuse') throw new SignInRefused(plan.message, plan.reason);
      if (plan.action === 'sign-in') {
        if (plan.link) {
          const [done] = await tx
            .update(users)
            .set({ oidcIssuer: identity.issuer, oidcSubject: identity.subject, updatedAt: new Date() })
            .where(and(eq(users.id, plan.userId), sql`${users.oidcSubject} is null`))
            .returning({ id: users.id });
          if (!done) return undefined; // linked by a sign-in at the same moment: read again
          await recordChange(tx, { resourceType: 'user', resourceId: plan.userId, action: 'link_sso', after: { oidcIssuer: identity.issuer, oidcSubject: identity.subject } });
        }
        return { userId: plan.userId, role: plan.role, how: plan.link ? ('linked' as const) : ('known' as const) };
      }
      const [created] = await tx
        .insert(users)
        .values({ email: plan.email, name: plan.name, role: plan.role, oidcIssuer: identity.issuer, oidcSubject: identity.subject })
        .onConflictDoNothing()
        .returning({ id: users.id, email: users.email, name: users.name, role: users.role, grants: users.grants });
      if (created) await recordChange(tx, { resourceType: 'user', resourceId: created.id, action: 'create', after: { ...created, oidcIssuer: identity.issuer } });
      return created ? { userId: created.id, how: 'created' as const } : undefined;
    });
    if (outcome) return outcome;
    if (attempt >= 2) throw new SignInRefused('Your account changed while signing in; try again', 'the user changed under three attempts in a row');
    return this.findOrCreate(identity, attempt + 1);
  }
}

/** What went wrong at the provider or in the checks, in words for the person; the log gets the library's message. */
function refusalOf(error: unknown): SignInRefused {
  if (error instanceof SignInRefused) return error;
  // openid-client wraps the check that failed; only messages are kept (a cause may hold the code and state).
  const detail = error instanceof Error ? [error, error.cause].flatMap((e) => (e instanceof Error ? [e.message] : [])).join(': ') : String(error);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || detail === 'fetch failed')) {
    return new SignInRefused('The sign-in provider cannot be reached; try again later', `a request to the provider failed: ${detail}`);
  }
  if (error instanceof client.AuthorizationResponseError) {
    const message = error.error === 'access_denied' ? 'The sign-in was cancelled at the provider' : `The provider refused the sign-in (${error.error})`;
    return new SignInRefused(message, `the provider answered ${error.error}`);
  }
  if (error instanceof client.ResponseBodyError) {
    return new SignInRefused(`The provider did not accept this sign-in (${error.error}): it may have been used already. ${START_AGAIN}`, `the provider answered ${error.error}: ${detail}`);
  }
  if (/"state"/.test(detail)) return new SignInRefused(`The sign-in could not be verified (state mismatch). ${START_AGAIN}`, detail);
  return new SignInRefused(`The sign-in could not be verified. ${START_AGAIN}`, detail);
}
