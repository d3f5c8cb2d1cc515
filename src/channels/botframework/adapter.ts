import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Config } from '../../config.js';

/** The outcome of the token check, as the SDK hands it to the turn. */
export type Authenticated = Awaited<ReturnType<CloudAdapter['botFrameworkAuthentication']['authenticateRequest']>>;

/**
 * CloudAdapter with its two steps opened up: the endpoint reads and checks the request itself (size,
 * JSON, shape, serviceUrl) and answers errors as JSON, then checks the token, and only an authenticated
 * turn waits in its conversation's queue.
 */
export class BotAdapter extends CloudAdapter {
  /** `activity` has been checked by parseActivity for every field this bot reads; the SDK fills in the rest. */
  authenticate(authHeader: string, activity: object): Promise<Authenticated> {
    return this.botFrameworkAuthentication.authenticateRequest(activity as Activity, authHeader);
  }

  run(auth: Authenticated, activity: object, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity as Activity, logic);
  }
}

/** Whether requests must carry a Bot Framework token: only when the bot has an Azure identity. */
export function authenticated(config: Config): boolean {
  return Boolean(config.MicrosoftAppId);
}

/**
 * Without MicrosoftAppId the SDK accepts requests with no token (the Emulator's local mode) and sends
 * replies without one; with it, every request's JWT is checked against the Bot Framework's keys and
 * replies are sent with the app's own token, as Azure Bot Service requires.
 */
export function createAdapter(config: Config): BotAdapter {
  const identity = {
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(identity);
  const auth = new ClientKeepingAuthentication({ MicrosoftAppId: config.MicrosoftAppId, MicrosoftAppTenantId: config.MicrosoftAppTenantId }, credentials);
  return new BotAdapter(auth);
}

type ConnectorFactory = NonNullable<Authenticated['connectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type ClaimsIdentity = Authenticated['claimsIdentity'];
type UserTokenClient = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>>;

/** Distinct (bot, channel service) pairs kept; an unauthenticated expectReplies caller may name any serviceUrl, so they are bounded. */
const CLIENTS_KEPT = 256;

/** Kept by key, the most recently used last; a promise that fails is not kept. */
class Kept<V> {
  private readonly map = new Map<string, Promise<V>>();

  get(key: string, make: () => Promise<V>): Promise<V> {
    let value = this.map.get(key);
    if (value) this.map.delete(key);
    else value = make();
    this.map.set(key, value);
    if (this.map.size > CLIENTS_KEPT) this.map.delete(this.map.keys().next().value as string);
    value.catch(() => {
      if (this.map.get(key) === value) this.map.delete(key);
    });
    return value;
  }
}

/** The bot's app id as the SDK reads it from a request's claims: the audience, or for the Emulator the appid claim. */
function botOf(identity: ClaimsIdentity): string {
  return `${identity.getClaimValue('aud') ?? ''}|${identity.getClaimValue('appid') ?? ''}`;
}

/**
 * The SDK builds a new ConnectorClient and UserTokenClient, each with its own HTTP pipeline, for every
 * activity, even one answered in its own response (expectReplies) that calls nothing: about a tenth of
 * a turn's time under load. They hold no state of a conversation, only the bot's credentials (which cache
 * their token) and the channel's address, so one per bot, audience and serviceUrl serves every turn.
 */
class ClientKeepingAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Kept<ConnectorClient>();
  private readonly tokenClients = new Kept<UserTokenClient>();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<Authenticated> {
    const result = await super.authenticateRequest(activity, authHeader);
    const factory = result.connectorFactory;
    if (!factory) return result;
    const bot = botOf(result.claimsIdentity);
    const kept: ConnectorFactory = { create: (serviceUrl, audience) => this.connectors.get(`${bot}|${audience ?? ''}|${serviceUrl}`, () => factory.create(serviceUrl, audience)) };
    return { ...result, connectorFactory: kept };
  }

  override createUserTokenClient(identity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.tokenClients.get(botOf(identity), () => super.createUserTokenClient(identity));
  }
}
