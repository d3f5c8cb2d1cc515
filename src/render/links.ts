import type { PageLink } from '../conversation/messages.js';

/**
 * The address a channel can use for one of the service's pages: under `base` when the channel knows an
 * absolute one (EKEY_PUBLIC_URL, or the address a widget's page was loaded from), the root-relative path
 * when the client resolves it against its page (the web widget without either), or none at all where a
 * relative address would lead nowhere (WeChat, Teams without EKEY_PUBLIC_URL).
 */
export type LinkBase = { base: string } | { relative: true } | undefined;

export function linkUrl(link: PageLink, where: LinkBase): string | undefined {
  if (!where) return undefined;
  if ('relative' in where) return link.path;
  return `${where.base.replace(/\/+$/, '')}${link.path}`;
}

/** An absolute base when one is configured, else nothing. */
export function absoluteBase(publicUrl: string | undefined): LinkBase {
  return publicUrl ? { base: publicUrl } : undefined;
}
