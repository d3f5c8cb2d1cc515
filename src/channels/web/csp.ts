/**
 * The page's content security policy: scripts only from this server, styles from this server or carrying
 * the page's nonce (Web Chat writes its styles into <style> elements and is given the nonce), network
 * access only to this server and, when configured, Azure Direct Line. Embedding only by the listed sites.
 */
export function pageCsp(opts: { nonce: string; connect: string[]; frameAncestors: string[] }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Web Chat also applies an empty inline style; the hash of the empty string allows that and nothing else.
    `style-src 'self' 'nonce-${opts.nonce}' 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${opts.connect.join(' ')}`.trim(),
    "media-src 'self' blob: data:",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors 'self' ${opts.frameAncestors.join(' ')}`.trim(),
  ].join('; ');
}
