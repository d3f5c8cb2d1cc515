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
  const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: config.MicrosoftAppId, MicrosoftAppTenantId: config.MicrosoftAppTenantId }, credentials);
  return new BotAdapter(auth);
}
