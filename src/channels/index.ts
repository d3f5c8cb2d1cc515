import type { ChannelRegistrar } from '../app.js';

/** The channels `npm start` serves. Each registers its own routes and is off when unconfigured. */
export const defaultChannels: ChannelRegistrar[] = [];
