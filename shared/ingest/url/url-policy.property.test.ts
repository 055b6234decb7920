import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors/api-error.ts';
import { checkImageUrl, type UrlPolicy } from './url-policy.ts';

/**
 * Property tests: the SSRF policy against generated spellings of private
 * addresses, rather than the hand-picked list in url-policy.test.ts. The
 * oracle is the IANA special-purpose registry written out here, not the
 * implementation's table.
 */
const STRICT: UrlPolicy = { allowHttpOrigins: [] };
const RUNS = { numRuns: 400 };

/** [first address, prefix length] of IPv4 ranges that must never be fetched. */
const RESERVED_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0000000, 24],
  [0xc0000200, 24],
  [0xc0a80000, 16],
  [0xc6120000, 15],
  [0xc6336400, 24],
  [0xcb007100, 24],
  [0xe0000000, 4],
  [0xf0000000, 4],
];

const reservedV4 = fc
  .tuple(fc.constantFrom(...RESERVED_V4), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([[base, prefix], noise]) => (base | (noise & (prefix === 0 ? 0xffffffff : 0xffffffff >>> prefix))) >>> 0);

/** One number in decimal, hex (0x, any case, leading zeros) or octal (leading 0). */
const numberSpelling = (value: number) =>
  fc.oneof(
    fc.constant(String(value)),
    fc.tuple(fc.constantFrom('0x', '0X'), fc.nat(3), fc.boolean()).map(([prefix, zeros, upper]) => {
      const hex = value.toString(16);
      return `${prefix}${'0'.repeat(zeros)}${upper ? hex.toUpperCase() : hex}`;
    }),
    fc.nat(3).map((zeros) => `0${'0'.repeat(zeros)}${value.toString(8)}`),
  );

/** Every way WHATWG URL reads an IPv4 host: 1 to 4 parts, the last holding the remaining bytes. */
const ipv4Spelling = (address: number) => {
  const a = address >>> 24;
  const b = (address >>> 16) & 0xff;
  const c = (address >>> 8) & 0xff;
  const d = address & 0xff;
  const parts = [[address], [a, address & 0xffffff], [a, b, address & 0xffff], [a, b, c, d]];
  return fc
    .constantFrom(...parts)
    .chain((numbers) => fc.tuple(...numbers.map(numberSpelling)))
    .map((spelled) => spelled.join('.'));
};

/** Host text the parser normalises: a trailing dot, percent-encoded or fullwidth characters. */
const disguised = (host: string) =>
  fc.oneof(
    fc.constant(host),
    fc.constant(`${host}.`),
    fc.nat(host.length - 1).map((at) => `${host.slice(0, at)}%${host.charCodeAt(at).toString(16).padStart(2, '0')}${host.slice(at + 1)}`),
    fc.constant([...host].map((ch) => (/[0-9]/.test(ch) ? String.fromCharCode(0xff10 + Number(ch)) : ch === '.' ? '\u3002' : ch)).join('')),
  );

const dotted = (address: number) => [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join('.');
const hex16 = (value: number) => value.toString(16);

/** IPv6 forms that carry an IPv4 address: mapped, compatible, NAT64, 6to4. */
const ipv6Carrying = (address: number) => {
  const hi = hex16(address >>> 16);
  const lo = hex16(address & 0xffff);
  return fc.constantFrom(
    `::ffff:${dotted(address)}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `0000:0000:0000:0000:0000:FFFF:${dotted(address)}`,
    `64:ff9b::${dotted(address)}`,
    `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::1`,
  );
};

/** IPv6 addresses that are private or special on their own. */
const reservedV6 = fc.oneof(
  fc.constantFrom('::1', '0:0:0:0:0:0:0:1', '::', '0::0', '::0.0.0.1'),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }).chain((rest) =>
    fc.constantFrom(0xfc00, 0xfd12, 0xfe80, 0xfebf, 0xfec0, 0xff02, 0x2001).map((first) =>
      [first === 0x2001 ? first : first | (rest[0]! & (first >= 0xff00 ? 0xff : 0x3f)), ...(first === 0x2001 ? [0x0db8, ...rest.slice(1)] : rest)].map(hex16).join(':'),
    ),
  ),
);

const url = (host: string) => fc.constantFrom(`https://${host}/image.jpg`, `https://${host}:443/a.png?x=1`, `HTTPS://${host}/`, `https://${host}#frag`);

/** The policy's answer: 'accepted' or the rejection's detail; any other exception fails the test. */
function verdict(raw: string): string {
  try {
    checkImageUrl(raw, STRICT);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    expect(error.status).toBe(400);
    expect(error.code).toBe('url_not_allowed');
    return error.message;
  }
}

const parses = (raw: string) => {
  try {
    new URL(raw);
    return true;
  } catch {
    return false;
  }
};

describe('URL policy properties', () => {
  it('refuses every spelling of a reserved IPv4 address, and says why', () => {
    fc.assert(
      fc.property(reservedV4.chain((address) => fc.tuple(fc.constant(address), ipv4Spelling(address).chain(disguised).chain(url))), ([address, raw]) => {
        const answer = verdict(raw);
        expect(answer, raw).not.toBe('accepted');
        // A spelling the URL parser accepts is read as the dotted quad, and classified by it.
        if (parses(raw)) expect(answer, `${raw} (${dotted(address)})`).toMatch(/private or reserved/);
      }),
      RUNS,
    );
  });

  it('refuses every IPv4 literal, public ones included (Workers cannot fetch bare IPs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }).chain((address) => ipv4Spelling(address).chain(url)), (raw) => {
        expect(verdict(raw), raw).not.toBe('accepted');
      }),
      RUNS,
    );
  });

  it('refuses IPv6 forms that carry a reserved IPv4 address, naming the embedded address', () => {
    fc.assert(
      fc.property(reservedV4.chain((address) => ipv6Carrying(address).chain((host) => url(`[${host}]`))), (raw) => {
        const answer = verdict(raw);
        expect(answer, raw).toMatch(/private or reserved/);
      }),
      RUNS,
    );
  });

  it('refuses reserved IPv6 addresses in any case or compression', () => {
    fc.assert(
      fc.property(reservedV6.chain((host) => fc.tuple(fc.boolean(), fc.constant(host))).chain(([upper, host]) => url(`[${upper ? host.toUpperCase() : host}]`)), (raw) => {
        expect(verdict(raw), raw).toMatch(/private or reserved/);
      }),
      RUNS,
    );
  });

  it('accepts public DNS names, returning the name it will fetch', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const tld = fc.stringMatching(/^[a-z]{2,8}$/).filter((t) => !['local', 'internal', 'localhost'].includes(t));
    fc.assert(
      fc.property(fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), tld), ([labels, top]) => {
        const host = [...labels, top].join('.');
        fc.pre(!labels.some((l) => ['localhost', 'local', 'internal'].includes(l)) || labels.length > 1);
        fc.pre(!/(^|\.)(localhost|local|internal|home\.arpa)$/.test(host));
        const checked = checkImageUrl(`https://${host}/p.jpg`, STRICT);
        expect(checked.hostname).toBe(host);
        expect(checked.protocol).toBe('https:');
      }),
      RUNS,
    );
  });

  it('answers any string with an accepted https URL or a 400, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), fc.string({ unit: 'binary' })), (raw) => {
        const answer = verdict(raw);
        if (answer === 'accepted') {
          const checked = checkImageUrl(raw, STRICT);
          expect(checked.protocol).toBe('https:');
          expect(checked.username + checked.password).toBe('');
          expect(checked.port).toBe('');
          expect(checked.hostname).not.toMatch(/^\[|^[\d.]+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
