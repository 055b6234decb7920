import { describe, it, expect } from 'vitest';
import { ApiError } from '../../errors/api-error.ts';
import { checkImageUrl, type UrlPolicy } from './url-policy.ts';

const STRICT: UrlPolicy = { allowHttpOrigins: [] };
const LOCAL_DEV: UrlPolicy = { allowHttpOrigins: ['http://127.0.0.1:9000'] };

/** The ApiError `checkImageUrl` throws for `raw`, failing the test if it accepts it. */
function rejection(raw: string, policy: UrlPolicy = STRICT): ApiError {
  let accepted: URL;
  try {
    accepted = checkImageUrl(raw, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('url_not_allowed');
    return apiError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected, but it was accepted as ${accepted.href}`);
}

describe('checkImageUrl: accepted URLs', () => {
  const legitimate = [
    'https://images.unsplash.com/photo-1500000000000-abc?w=800&q=80',
    'https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg',
    'https://example.com/cat.png',
    'https://cdn.example.co.uk/a/b/c.webp',
    'https://s3.amazonaws.com/bucket/key.jpg',
    'https://storage.googleapis.com/bucket/object.jpeg',
    'https://a.b.c.d.example.org/path/to/img.gif#fragment',
    'https://example.com:443/explicit-default-port.jpg',
    'HTTPS://EXAMPLE.COM/UPPER.JPG',
    'https://example.com./trailing-dot.jpg',
    'https://1.example.com/digit-first-label.jpg',
    'https://10-0-0-1.example.net/dashes-not-an-ip.jpg',
    'https://xn--bcher-kva.example/punycode.jpg',
    'https://bücher.example/unicode.jpg',
    'https://my-local-images.com/local-in-the-middle.jpg',
    'https://internal.example.com/internal-as-a-subdomain.jpg',
    '  https://example.com/leading-space-stripped-by-url.jpg',
  ];
  for (const raw of legitimate) {
    it(`accepts ${raw.trim()}`, () => {
      const url = checkImageUrl(raw, STRICT);
      expect(url.protocol).toBe('https:');
      expect(url.port).toBe('');
    });
  }

  it('returns the WHATWG-normalised URL, the one to fetch', () => {
    expect(checkImageUrl('HTTPS://Example.COM:443/a b.jpg', STRICT).href).toBe('https://example.com/a%20b.jpg');
    expect(checkImageUrl('https://bücher.example/x', STRICT).hostname).toBe('xn--bcher-kva.example');
  });
});

describe('checkImageUrl: schemes', () => {
  const cases = [
    'file:///etc/passwd',
    'file://localhost/etc/passwd',
    'data:image/png;base64,iVBORw0KGgo=',
    'gopher://example.com:70/_GET',
    'ftp://example.com/img.jpg',
    'javascript:alert(1)',
    'blob:https://example.com/550e8400-e29b-41d4-a716-446655440000',
    'ws://example.com/socket',
    'wss://example.com/socket',
    'about:blank',
    'http://example.com/img.jpg',
    'HTTP://EXAMPLE.COM/img.jpg',
  ];
  for (const raw of cases) {
    it(`rejects ${raw}`, () => {
      expect(rejection(raw).message).toMatch(/https|http/);
    });
  }

  it('rejects strings that are not absolute URLs', () => {
    for (const raw of ['', ' ', '//example.com/a.jpg', '/a.jpg', 'example.com/a.jpg', 'https://', 'https://exa mple.com/', 'https://[::1/']) {
      expect(rejection(raw).message).toMatch(/not a valid absolute URL/);
    }
  });
});

describe('checkImageUrl: userinfo and ports', () => {
  it('rejects userinfo, the ok.com@evil confusion', () => {
    for (const raw of [
      'https://ok.com@evil.example/a.jpg',
      'https://user:pass@example.com/a.jpg',
      'https://:pass@example.com/a.jpg',
      'https://user@example.com/a.jpg',
      'https://ok.com:443@evil.example/',
    ]) {
      expect(rejection(raw).message).toMatch(/user name or password/);
    }
    // Userinfo is refused even on a listed origin.
    expect(rejection('http://a@127.0.0.1:9000/', LOCAL_DEV).message).toMatch(/user name or password/);
  });

  it('does not treat an encoded @ or a backslash as userinfo: the host is what URL parses', () => {
    // %40 in a host is a forbidden code point, so the URL does not parse at all.
    rejection('https://ok.com%40evil.example/');
    // WHATWG reads "\" as "/" for https, so the host is evil.example (allowed
    // as a public name), and that is also the host fetch would contact.
    expect(checkImageUrl('https://evil.example\\@ok.com/', STRICT).hostname).toBe('evil.example');
  });

  it('rejects non-default ports', () => {
    for (const raw of ['https://example.com:8443/a.jpg', 'https://example.com:80/a.jpg', 'https://example.com:0/', 'https://example.com:65535/']) {
      expect(rejection(raw).message).toMatch(/default https port/);
    }
  });
});

describe('checkImageUrl: local and internal names', () => {
  const cases = [
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.localhost',
    'api.localhost.',
    'printer.local',
    'printer.local.',
    'metadata.google.internal',
    'metadata.google.internal.',
    'router.home.arpa',
    'localhost%2e', // percent-decoded to "localhost."
  ];
  for (const host of cases) {
    it(`rejects https://${host}/`, () => {
      expect(rejection(`https://${host}/a.jpg`).message).toMatch(/local or internal name/);
    });
  }

  it('rejects single-label hosts, with or without a trailing dot', () => {
    for (const host of ['intranet', 'metadata', 'instance-data', 'com', 'intranet.', 'kubernetes']) {
      expect(rejection(`https://${host}/a.jpg`).message).toMatch(/single-label/);
    }
  });

  it('rejects empty labels', () => {
    expect(rejection('https://example..com/').message).toMatch(/empty label/);
  });
});

describe('checkImageUrl: IP literals', () => {
  it('rejects the addresses from bad-inputs.md before any fetch', () => {
    for (const host of [
      '127.0.0.1',
      '0.0.0.0',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '2130706433',
      '0x7f.1',
      '169.254.169.254',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '[fc00::1]',
      '[fd12:3456:789a::1]',
    ]) {
      expect(rejection(`https://${host}/a.jpg`).message).toMatch(/private or reserved/);
    }
  });

  it('relies on WHATWG URL normalising every IPv4 spelling to a dotted quad', () => {
    const spellings: Record<string, string> = {
      '2130706433': '127.0.0.1',
      '0x7f000001': '127.0.0.1',
      '0X7F000001': '127.0.0.1',
      '0177.0.0.1': '127.0.0.1',
      '0177.0000.0.01': '127.0.0.1',
      '127.1': '127.0.0.1',
      '127.0.1': '127.0.0.1',
      '0x7f.1': '127.0.0.1',
      '0x7f.0x0.0x0.0x1': '127.0.0.1',
      '127.0.0.1.': '127.0.0.1',
      '０x7f.1': '127.0.0.1',
      '１２７.０.０.１': '127.0.0.1',
      '%31%32%37.0.0.1': '127.0.0.1',
      '0': '0.0.0.0',
      '0x': '0.0.0.0',
      '3232235777': '192.168.1.1',
      '0xa9fea9fe': '169.254.169.254',
      '0251.0376.0251.0376': '169.254.169.254',
      '4294967295': '255.255.255.255',
    };
    for (const [spelling, dotted] of Object.entries(spellings)) {
      expect(new URL(`https://${spelling}/`).hostname, spelling).toBe(dotted);
      expect(rejection(`https://${spelling}/`).message, spelling).toMatch(/private or reserved/);
    }
    // Numeric-looking hosts that are not valid IPv4 do not parse at all.
    for (const invalid of ['4294967296', '1.2.3.4.5', '256.0.0.1', '0x1.0x1.0x1.0x100', '08.0.0.1']) {
      expect(() => new URL(`https://${invalid}/`), invalid).toThrow();
      rejection(`https://${invalid}/`);
    }
  });

  it('names the reserved range in the detail', () => {
    const expectations: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback 127\.0\.0\.0\/8/],
      ['0.1.2.3', /0\.0\.0\.0\/8/],
      ['10.0.0.1', /10\.0\.0\.0\/8/],
      ['172.20.0.1', /172\.16\.0\.0\/12/],
      ['192.168.0.1', /192\.168\.0\.0\/16/],
      ['100.127.255.255', /100\.64\.0\.0\/10/],
      ['169.254.169.254', /169\.254\.0\.0\/16/],
      ['192.0.0.8', /192\.0\.0\.0\/24/],
      ['198.19.255.1', /198\.18\.0\.0\/15/],
      ['224.0.0.1', /multicast/],
      ['239.255.255.250', /multicast/],
      ['240.0.0.1', /240\.0\.0\.0\/4/],
      ['255.255.255.255', /broadcast/],
      ['[::1]', /loopback ::1/],
      ['[::]', /unspecified/],
      ['[::ffff:169.254.169.254]', /IPv4-mapped 169\.254\.169\.254/],
      ['[::ffff:a00:1]', /IPv4-mapped 10\.0\.0\.1/],
      ['[64:ff9b::127.0.0.1]', /NAT64 127\.0\.0\.1/],
      ['[64:ff9b::c0a8:101]', /NAT64 192\.168\.1\.1/],
      ['[64:ff9b:1::1]', /local-use NAT64/],
      ['[2002:c0a8:101::1]', /6to4 192\.168\.1\.1/],
      ['[fc00::1]', /unique local/],
      ['[fdff:ffff::1]', /unique local/],
      ['[fe80::1]', /link-local/],
      ['[febf::1]', /link-local/],
      ['[ff02::1]', /multicast/],
      ['[::127.0.0.1]', /IPv4-compatible/],
      ['[2001:db8::1]', /documentation/],
    ];
    for (const [host, reason] of expectations) {
      expect(rejection(`https://${host}/`).message, host).toMatch(reason);
    }
  });

  it('rejects public IP literals too: Workers cannot fetch bare IPs', () => {
    for (const host of ['8.8.8.8', '1.1.1.1', '134744072', '0x08080808', '[2606:4700:4700::1111]', '[::ffff:8.8.8.8]', '[64:ff9b::8.8.8.8]', '172.32.0.1', '100.128.0.1', '192.169.0.1']) {
      const detail = rejection(`https://${host}/`).message;
      expect(detail, host).toMatch(/is an IP address; only DNS host names/);
      expect(detail, host).not.toMatch(/private or reserved/);
    }
  });

  it('rejects IPv6 zone identifiers (they do not parse)', () => {
    rejection('https://[fe80::1%25eth0]/');
    rejection('https://[fe80::1%eth0]/');
  });
});

describe('checkImageUrl: the operator allow-list', () => {
  it('allows exactly the listed origins, even over http and to loopback', () => {
    expect(checkImageUrl('http://127.0.0.1:9000/cat.png', LOCAL_DEV).href).toBe('http://127.0.0.1:9000/cat.png');
    // Any spelling WHATWG normalises to the same origin is the same origin.
    expect(checkImageUrl('http://2130706433:9000/cat.png', LOCAL_DEV).origin).toBe('http://127.0.0.1:9000');
  });

  it('does not widen a listed origin to other ports, schemes or hosts', () => {
    expect(rejection('http://127.0.0.1:9001/', LOCAL_DEV).message).toMatch(/Plain http/);
    expect(rejection('http://127.0.0.1/', LOCAL_DEV).message).toMatch(/Plain http/);
    expect(rejection('http://localhost:9000/', LOCAL_DEV).message).toMatch(/Plain http/);
    expect(rejection('https://127.0.0.1:9000/', LOCAL_DEV).message).toMatch(/default https port/);
    expect(rejection('https://127.0.0.1/', LOCAL_DEV).message).toMatch(/private or reserved/);
  });

  it('normalises listed entries and ignores ones that are not http(s) origins', () => {
    const policy: UrlPolicy = { allowHttpOrigins: [' HTTP://LocalHost:9000/some/path ', 'https://10.0.0.5:8443', 'not a url', 'null', 'file:///'] };
    expect(checkImageUrl('http://localhost:9000/a.jpg', policy).origin).toBe('http://localhost:9000');
    expect(checkImageUrl('https://10.0.0.5:8443/a.jpg', policy).origin).toBe('https://10.0.0.5:8443');
    // file: and data: URLs have the opaque origin "null"; listing it opens nothing.
    rejection('file:///etc/passwd', policy);
    rejection('data:image/png;base64,AAAA', policy);
  });

  it('treats a default port the same however it is written', () => {
    const policy: UrlPolicy = { allowHttpOrigins: ['http://images.test:80'] };
    expect(checkImageUrl('http://images.test/a.jpg', policy).origin).toBe('http://images.test');
  });
});

/**
 * Property-style test: a seeded PRNG (mulberry32, so failures reproduce)
 * draws addresses from every private/reserved range and spells each one a
 * random way. Every spelling must be rejected as private/reserved; the ones
 * WHATWG parses must normalise to the address drawn.
 */
describe('checkImageUrl: random spellings of private addresses', () => {
  function mulberry32(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const RANGES: Array<[number, number, number, number, number]> = [
    [127, 0, 0, 0, 8],
    [0, 0, 0, 0, 8],
    [10, 0, 0, 0, 8],
    [172, 16, 0, 0, 12],
    [192, 168, 0, 0, 16],
    [100, 64, 0, 0, 10],
    [169, 254, 0, 0, 16],
    [192, 0, 0, 0, 24],
    [198, 18, 0, 0, 15],
    [224, 0, 0, 0, 4],
    [240, 0, 0, 0, 4],
    [255, 255, 255, 255, 32],
  ];

  function makeGenerator(seed: number) {
    const random = mulberry32(seed);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const maybeUpper = (text: string) => (random() < 0.5 ? text.toUpperCase() : text);

    function address(): number {
      const [a, b, c, d, prefix] = pick(RANGES);
      const base = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      const hostBits = 32 - prefix;
      const offset = hostBits === 0 ? 0 : int(2 ** hostBits);
      return (base + offset) >>> 0;
    }

    /** One number written in decimal, octal (leading zeros) or hex (0x/0X, padding, any case). */
    function number(value: number): string {
      switch (int(3)) {
        case 0:
          return String(value);
        case 1:
          return '0'.repeat(1 + int(3)) + value.toString(8);
        default:
          return (random() < 0.5 ? '0x' : '0X') + '0'.repeat(int(3)) + maybeUpper(value.toString(16));
      }
    }

    function ipv4Spelling(value: number): string {
      const octets = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff] as const;
      let host: string;
      switch (int(4)) {
        case 0: // one 32-bit number: 2130706433, 0x7f000001, 017700000001
          host = number(value);
          break;
        case 1: // a.b.c.d, each part spelled independently: 0177.0x0.0.1
          host = octets.map(number).join('.');
          break;
        case 2: // a.b.cd (16-bit last part): 127.0.1
          host = [number(octets[0]), number(octets[1]), number(value & 0xffff)].join('.');
          break;
        default: // a.bcd (24-bit last part): 127.1, 0x7f.1
          host = [number(octets[0]), number(value & 0xffffff)].join('.');
      }
      return random() < 0.2 ? `${host}.` : host;
    }

    function ipv6Spelling(value: number): string {
      const hi = (value >>> 16).toString(16);
      const lo = (value & 0xffff).toString(16);
      const dotted = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
      const tail = random() < 0.5 ? dotted : `${hi}:${lo}`;
      const prefix = pick(['::ffff:', '0:0:0:0:0:ffff:', '0000:0000:0000:0000:0000:FFFF:', '::0:ffff:', '64:ff9b::', '64:FF9B:0:0:0:0:']);
      const inner = maybeUpper(prefix + tail);
      // Unbracketed IPv6 is not a valid URL host: still must be rejected.
      return random() < 0.85 ? `[${inner}]` : inner;
    }

    return { random, address, ipv4Spelling, ipv6Spelling };
  }

  it('rejects 2000 random IPv4 spellings and each normalises to the address drawn', () => {
    const gen = makeGenerator(0x5eed1);
    for (let i = 0; i < 2000; i++) {
      const value = gen.address();
      const dotted = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
      const host = gen.ipv4Spelling(value);
      const raw = `https://${host}/image.jpg`;
      expect(new URL(raw).hostname, raw).toBe(dotted);
      expect(rejection(raw).message, raw).toMatch(/private or reserved/);
    }
  });

  it('rejects 1000 random IPv6 spellings that embed a private IPv4', () => {
    const gen = makeGenerator(0xc0ffee);
    for (let i = 0; i < 1000; i++) {
      const host = gen.ipv6Spelling(gen.address());
      const raw = `https://${host}/image.jpg`;
      const detail = rejection(raw).message;
      if (host.startsWith('[')) expect(detail, raw).toMatch(/private or reserved/);
    }
  });

  it('lets every listed public host name through, whatever its case or trailing dot', () => {
    const gen = makeGenerator(42);
    const hosts = ['example.com', 'images.example.org', 'cdn.jsdelivr.net', 'i.imgur.com', 'pbs.twimg.com', 'upload.wikimedia.org', 'raw.githubusercontent.com'];
    for (let i = 0; i < 200; i++) {
      let host = hosts[Math.floor(gen.random() * hosts.length)]!;
      if (gen.random() < 0.5) host = host.toUpperCase();
      if (gen.random() < 0.3) host = `${host}.`;
      const url = checkImageUrl(`https://${host}/p/${i}.jpg`, STRICT);
      expect(url.hostname.replace(/\.$/, '')).toBe(host.toLowerCase().replace(/\.$/, ''));
    }
  });
});
