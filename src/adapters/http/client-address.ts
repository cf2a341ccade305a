// Who the client of an HTTP request is: the socket's peer, or — only when that peer is one of the
// configured trusted proxies (STEWARD_TRUSTED_PROXIES) — the nearest address in X-Forwarded-For
// that is not itself a trusted proxy. An untrusted peer's X-Forwarded-For is ignored.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** The trusted proxies, as addresses and CIDR ranges (`10.0.0.0/8`, `::1`). */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `entries` are checked by the settings (src/config/env.ts); a bad one still throws here. */
  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const [address = '', prefix] = e.split('/');
      const family = isIP(address);
      if (!family) throw new Error(`trusted proxy "${e}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
    this.size = entries.length;
  }

  has(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:192.0.2.1` (IPv4 mapped into IPv6) is `192.0.2.1`, so one client has one key. */
function plain(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1]! : address;
}

/** One X-Forwarded-For element as an address: brackets and an IPv4 port dropped; undefined when not an IP. */
function forwardedAddress(raw: string): string | undefined {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return isIP(a) ? plain(a) : undefined;
}

/** At most this many X-Forwarded-For elements are looked at (the header is client-controlled). */
const MAX_HOPS = 32;

/**
 * The client address the failed-attempt limiter counts. Behind trusted proxies it walks
 * X-Forwarded-For from the right (the element the nearest proxy appended) and stops at the first
 * address that is not a trusted proxy. A malformed element stops the walk: the hop that passed it
 * on is the client.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = plain(req.socket.remoteAddress ?? 'unknown');
  if (trusted.size === 0 || !trusted.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const hops = text.split(',').slice(-MAX_HOPS);
  let client = peer;
  for (const hop of hops.reverse()) {
    const a = forwardedAddress(hop);
    if (a === undefined) break;
    client = a;
    if (!trusted.has(a)) break;
  }
  return client;
}
