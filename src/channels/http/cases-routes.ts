import type { ChannelRegistrar } from '../context.js';
import { casesApi } from './cases-api.js';
import { checklistRoute } from './checklist-route.js';

/** The helpdesk's routes: the agent API (off without EKEY_AGENT_TOKEN) and the printable checklist. */
export const casesRoutes: ChannelRegistrar = async (server, ctx) => {
  await casesApi(server, ctx);
  await checklistRoute(server, ctx);
};
