import type { ChannelRegistrar } from './context.js';
import { casesRoutes } from './http/cases-routes.js';
import { insightsRoute } from './http/insights-route.js';
import { botFrameworkChannel } from './botframework/index.js';
import { wechatChannel } from './wechat/routes.js';
import { directLine } from './directline/index.js';
import { webPage } from './web/index.js';
import { flowchartRoutes } from './http/flowcharts-route.js';
import { deskChannel } from './desk/index.js';

/** The channels `npm start` serves. Each registers its own routes and is off when unconfigured. */
export const defaultChannels: ChannelRegistrar[] = [botFrameworkChannel, wechatChannel, casesRoutes, insightsRoute, directLine, webPage, flowchartRoutes(), deskChannel()];
