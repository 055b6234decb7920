import { ApiError } from '../../errors/api-error.ts';

/**
 * Which image URLs the Worker may fetch on a client's behalf (SSRF policy).
 *
 * The default is strict: https only, default port only, a DNS host name only
 * (no IP literal of any kind, no local or single-label names), no userinfo.
 * The operator's only escape hatch is an exact origin list; there is
 * deliberately no switch that opens private hosts in general.
 *
 * Limits (why this is defence in depth, not the whole defence):
 * - DNS rebinding and public names that resolve to private addresses
 *   (`127.0.0.1.nip.io`, `localtest.me`, an attacker's A record) cannot be
 *   checked here: a Worker has no DNS API to call before `fetch`, and the
 *   name is resolved again by the runtime anyway. What stops those is the
 *   platform: a production Worker's `fetch` goes out through Cloudflare's
 *   edge and cannot reach the Worker's own private network, link-local
 *   metadata services or loopback, and it refuses bare IP addresses
 *   (error 1003). This policy keeps the Worker safe where that platform
 *   guarantee does not hold (`wrangler dev`, workerd self-hosted, a future
 *   runtime change) and gives clients a clear 400 before any fetch.
 * - Every redirect hop must be checked again: see `fetchImageUrl`.
 */
export interface UrlPolicy {
  /**
   * Exact origins (scheme, host and port, e.g. `http://127.0.0.1:9000`) the
   * operator allows. These, and only these, may use plain http, a
   * non-default port, and a loopback / private / IP-literal host: an
   * operator's explicit choice, typically a local test origin. An https
   * origin may be listed too (e.g. `https://10.0.0.5:8443`). Entries are
   * normalised with `new URL(entry).origin`; entries that are not http(s)
   * URLs match nothing.
   */
  allowHttpOrigins: string[];
  /** Always false: private hosts are only reachable through `allowHttpOrigins`. */
  allowPrivateHosts?: false;
}

/**
 * Parses `raw` as an absolute URL and returns it if the policy allows
 * fetching it; otherwise throws `400 url_not_allowed` with the reason.
 *
 * The returned `URL` is the one to fetch: it is the WHATWG-normalised form
 * (the same parser `fetch` uses), so what was checked is what is fetched.
 */
export function checkImageUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notAllowed('The image URL is not a valid absolute URL.');
  }

  // Only the two schemes `fetch` would send over the network; this excludes
  // file:, data:, blob:, javascript:, gopher:, ftp:, ws: and anything else.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw notAllowed(`Only https image URLs are fetched (the URL uses ${JSON.stringify(url.protocol)}).`);
  }

  // `https://ok.com@evil.example` reads as ok.com to people and to naive
  // checks but fetches evil.example; credentials also have no business here.
  if (url.username !== '' || url.password !== '') {
    throw notAllowed('Image URLs must not contain a user name or password (`user@host`).');
  }

  // An origin the operator listed is trusted as is: plain http, its port, and
  // its host even when that is loopback or private.
  if (listedOrigins(policy).has(url.origin)) return url;

  if (url.protocol !== 'https:') {
    throw notAllowed(`Plain http is only allowed for origins the operator lists; ${url.origin} is not listed. Use https.`);
  }
  // `URL` sets `port` to '' when it is the scheme's default (443), however it was written.
  if (url.port !== '') {
    throw notAllowed(`Only the default https port is allowed (the URL uses port ${url.port}).`);
  }

  checkHost(url.hostname);
  return url;
}

function notAllowed(detail: string): ApiError {
  return new ApiError(400, 'url_not_allowed', detail);
}

function listedOrigins(policy: UrlPolicy): Set<string> {
  const origins = new Set<string>();
  for (const entry of policy.allowHttpOrigins) {
    try {
      const parsed = new URL(entry.trim());
      // Non-http(s) URLs have the opaque origin "null", which must never match.
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') origins.add(parsed.origin);
    } catch {
      // An unparsable entry matches nothing.
    }
  }
  return origins;
}

/** Names that only mean something on a local network or this machine. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];

function checkHost(hostname: string): void {
  // IPv6 literals are the only hostnames `URL` returns in brackets.
  if (hostname.startsWith('[')) {
    const groups = parseIPv6(hostname.slice(1, -1));
    const reserved = groups ? classifyIPv6(groups) : 'an IPv6 address that could not be read';
    throw notAllowed(ipDetail(hostname, reserved));
  }

  // WHATWG URL parsing turns every IPv4 spelling (2130706433, 0x7f000001,
  // 0177.0.0.1, 127.1, 0x7f.1, fullwidth or percent-encoded digits, a
  // trailing dot) into a canonical dotted quad, or rejects the URL when a
  // numeric-looking host is not a valid IPv4 address. So a dotted quad here
  // covers all encodings; the tests pin that behaviour.
  const octets = parseDottedQuad(hostname);
  if (octets) throw notAllowed(ipDetail(hostname, classifyIPv4(octets)));

  // One trailing dot is the same name in DNS (`localhost.` is `localhost`).
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  const labels = name.split('.');
  const last = labels[labels.length - 1] ?? '';
  // Should be unreachable after WHATWG parsing (see above), but if a parser
  // ever let a numeric-looking last label through, treat it as an IP literal.
  if (/^(?:0x[0-9a-f]*|[0-9]+)$/i.test(last)) {
    throw notAllowed(`The host ${hostname} looks like a numeric IP address; only DNS host names are fetched.`);
  }
  if (labels.some((label) => label === '')) {
    throw notAllowed(`The host ${hostname} has an empty label.`);
  }
  for (const suffix of LOCAL_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) {
      throw notAllowed(`The host ${hostname} is a local or internal name (*.${suffix}); only public host names are fetched.`);
    }
  }
  // `intranet`, `metadata`, `instance-data`, `printer`: resolved through
  // search domains to internal machines, never a public image host.
  if (labels.length < 2) {
    throw notAllowed(`The host ${hostname} is a single-label name; only fully qualified public host names are fetched.`);
  }
}

function ipDetail(hostname: string, reserved: string | null): string {
  if (reserved !== null) {
    return `The host ${hostname} is a private or reserved address (${reserved}); it is never fetched.`;
  }
  // Production Workers cannot fetch bare IP addresses at all (error 1003), so
  // a public IP literal would only fail later with a confusing 502.
  return `The host ${hostname} is an IP address; only DNS host names are fetched (Workers cannot fetch bare IP addresses).`;
}

function parseDottedQuad(text: string): [number, number, number, number] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  const octets = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])] as const;
  if (octets.some((octet) => octet > 255)) return null;
  return [...octets];
}

/** [first address as uint32, prefix length, description] */
type Cidr4 = readonly [number, number, string];

const IPV4_RESERVED: readonly Cidr4[] = [
  [ip4(255, 255, 255, 255), 32, 'limited broadcast 255.255.255.255'],
  [ip4(0, 0, 0, 0), 8, '"this network" 0.0.0.0/8'],
  [ip4(10, 0, 0, 0), 8, 'private 10.0.0.0/8'],
  [ip4(100, 64, 0, 0), 10, 'carrier-grade NAT 100.64.0.0/10'],
  [ip4(127, 0, 0, 0), 8, 'loopback 127.0.0.0/8'],
  [ip4(169, 254, 0, 0), 16, 'link-local / cloud metadata 169.254.0.0/16'],
  [ip4(172, 16, 0, 0), 12, 'private 172.16.0.0/12'],
  [ip4(192, 0, 0, 0), 24, 'IETF protocol assignments 192.0.0.0/24'],
  [ip4(192, 0, 2, 0), 24, 'documentation 192.0.2.0/24'],
  [ip4(192, 88, 99, 0), 24, '6to4 relay anycast 192.88.99.0/24'],
  [ip4(192, 168, 0, 0), 16, 'private 192.168.0.0/16'],
  [ip4(198, 18, 0, 0), 15, 'benchmarking 198.18.0.0/15'],
  [ip4(198, 51, 100, 0), 24, 'documentation 198.51.100.0/24'],
  [ip4(203, 0, 113, 0), 24, 'documentation 203.0.113.0/24'],
  [ip4(224, 0, 0, 0), 4, 'multicast 224.0.0.0/4'],
  [ip4(240, 0, 0, 0), 4, 'reserved 240.0.0.0/4'],
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The reserved range an IPv4 address falls in, or null for a public address. */
function classifyIPv4(octets: readonly [number, number, number, number]): string | null {
  const address = ip4(...octets);
  for (const [base, prefix, description] of IPV4_RESERVED) {
    // `>>> 0` keeps the mask unsigned; a /0 would need special casing but none is listed.
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    if ((address & mask) >>> 0 === base) return description;
  }
  return null;
}

/** Parses an IPv6 address (no brackets, no zone) into eight 16-bit groups. */
function parseIPv6(text: string): number[] | null {
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const groups: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      // An embedded dotted IPv4 may only be the last part (`::ffff:1.2.3.4`).
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseDottedQuad(part);
        if (!v4) return null;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = parseSide(halves[0]!);
  const tail = halves.length === 2 ? parseSide(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    return [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  return head.length === 8 ? head : null;
}

/**
 * Why an IPv6 address is private or reserved, or null if it is global
 * unicast. Forms that carry an IPv4 address (mapped, compatible, NAT64,
 * 6to4) are judged by that embedded address too.
 */
function classifyIPv6(g: number[]): string | null {
  const at = (i: number) => g[i] ?? 0;
  const zeroUpTo = (end: number) => g.slice(0, end).every((group) => group === 0);
  const v4 = (hi: number, lo: number): [number, number, number, number] => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const v4Text = (octets: readonly number[]) => octets.join('.');
  const embedded = (kind: string, octets: [number, number, number, number]) => {
    const inner = classifyIPv4(octets);
    return inner ? `${kind} ${v4Text(octets)}: ${inner}` : null;
  };

  if (zeroUpTo(8)) return 'unspecified address ::';
  if (zeroUpTo(7) && at(7) === 1) return 'loopback ::1';
  if (zeroUpTo(5) && at(5) === 0xffff) {
    // A public mapped address is still an IP literal and is refused as such.
    return embedded('IPv4-mapped', v4(at(6), at(7)));
  }
  if (zeroUpTo(6)) return `deprecated IPv4-compatible address of ${v4Text(v4(at(6), at(7)))}`;
  if (at(0) === 0x64 && at(1) === 0xff9b) {
    if (at(2) === 1) return 'local-use NAT64 64:ff9b:1::/48';
    if (g.slice(2, 6).every((group) => group === 0)) return embedded('NAT64', v4(at(6), at(7)));
  }
  if (at(0) === 0x2002) return embedded('6to4', v4(at(1), at(2)));
  if ((at(0) & 0xfe00) === 0xfc00) return 'unique local fc00::/7';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local fe80::/10';
  if ((at(0) & 0xffc0) === 0xfec0) return 'deprecated site-local fec0::/10';
  if ((at(0) & 0xff00) === 0xff00) return 'multicast ff00::/8';
  if (at(0) === 0x2001 && at(1) === 0x0db8) return 'documentation 2001:db8::/32';
  if (at(0) === 0x2001 && at(1) === 0) return 'Teredo tunnel 2001::/32';
  if (at(0) === 0x0100 && g.slice(1, 4).every((group) => group === 0)) return 'discard-only 100::/64';
  // Everything outside 2000::/3 is unassigned or special-purpose.
  if ((at(0) & 0xe000) !== 0x2000) return 'outside global unicast 2000::/3';
  return null;
}
