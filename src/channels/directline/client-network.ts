import { isIPv6 } from 'node:net';

/**
 * The network a client address counts against: an IPv4 address is its own; an IPv6 address counts as its
 * /64, which one subscriber usually holds whole (2^64 addresses to choose from). An IPv4 address in IPv6
 * form (::ffff:192.0.2.1, as a dual-stack listener sees IPv4 clients) is read as the IPv4 address.
 */
export function clientNetwork(address: string): { address: string; network: string } {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, network: mapped[1] as string };
  if (!isIPv6(address)) return { address, network: address };
  const groups = expandIPv6(address.split('%')[0] as string);
  return { address: groups.join(':'), network: `${groups.slice(0, 4).join(':')}::/64` };
}

/** The eight groups of an IPv6 address, each as four lower-case hex digits. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::1.2.3.4, 64:ff9b::1.2.3.4) as its two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.padStart(4, '0'));
}
