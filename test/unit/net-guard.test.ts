import type { LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  checkTarget,
  checkUrl,
  classifyAddress,
  guardedLookup,
  resolveChecked,
  TargetRefusedError,
  verifyConnected,
  type AddressKind,
  type Resolve,
} from '../../shared/net/guard.js';

const STRICT = { allowPrivateTargets: false };
const LENIENT = { allowPrivateTargets: true };

/** A resolver answering each call with the next list, recording the host names it was asked for. */
const scriptedResolver = (...answers: string[][]): Resolve & { calls: string[] } => {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const list = answers[calls.length] ?? answers.at(-1) ?? [];
    calls.push(hostname);
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
};

/** Calls a lookup function the way net.connect does and returns what it answered. */
const lookupWith = (lookup: ReturnType<typeof guardedLookup>, hostname: string, options: LookupOptions = {}) =>
  new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
    lookup(hostname, options, (err, address, family) => resolve({ err, address, family })),
  );

describe('classifyAddress', () => {
  const table: Array<[string, AddressKind]> = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['169.253.255.255', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['2002:808:808::1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:c0a8:101', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.253', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00:ec2::253', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['::ffff:224.0.0.251', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['::ffff:240.0.0.1', 'reserved'],
    ['not-an-ip', 'reserved'],
    ['', 'reserved'],
  ];

  it.each(table)('classifies %s as %s', (ip, kind) => {
    // Act
    const c = classifyAddress(ip);
    // Assert
    expect(c.kind).toBe(kind);
  });

  it('names the range, and the IPv4 inside a mapped IPv6 address', () => {
    // Act
    const metadata = classifyAddress('169.254.169.254');
    const mapped = classifyAddress('::ffff:7f00:1');
    // Assert
    expect(metadata.detail).toBe('link-local address 169.254.169.254 (instance metadata)');
    expect(mapped.detail).toBe('loopback address ::ffff:7f00:1 (IPv4-mapped 127.0.0.1, 127.0.0.0/8)');
  });
});

describe('checkTarget', () => {
  const alwaysRefused = [
    '169.254.169.254',
    '169.254.170.2',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '169.254.1.1',
    'fe80::1',
    '0.0.0.0',
    '::',
    '224.0.0.1',
    'ff02::1',
    '240.0.0.1',
    '255.255.255.255',
    '2001:db8::1',
  ];

  it.each(alwaysRefused)('refuses %s even with allowPrivateTargets', (ip) => {
    // Act
    const verdict = checkTarget(ip, 80, LENIENT);
    // Assert
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/^refused: /) });
  });

  const privateOnes = [
    '127.0.0.1',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.0.10',
    '100.64.1.1',
    'fd12::1',
  ];

  it.each(privateOnes)('refuses %s by default', (ip) => {
    // Act
    const verdict = checkTarget(ip, 8080, STRICT);
    // Assert
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining('set allowPrivateTargets') });
  });

  it.each(privateOnes)('allows %s with allowPrivateTargets', (ip) => {
    // Act
    const verdict = checkTarget(ip, 8080, LENIENT);
    // Assert
    expect(verdict).toEqual({ ok: true });
  });

  it('allows a public address by default', () => {
    // Act
    const verdict = checkTarget('93.184.215.14', 443, STRICT);
    // Assert
    expect(verdict).toEqual({ ok: true });
  });

  it('explains a metadata refusal', () => {
    // Act
    const verdict = checkTarget('169.254.169.254', 80, LENIENT);
    // Assert
    expect(verdict).toEqual({ ok: false, reason: 'refused: link-local address 169.254.169.254 (instance metadata)' });
  });

  it.each([
    ['127.0.0.1', 9001, undefined],
    ['::1', 9001, undefined],
    ['127.0.0.5', 9001, undefined],
    ['::ffff:127.0.0.1', 9001, undefined],
    ['127.0.0.1', 9123, '127.0.0.1:9123'],
    ['127.0.0.1', 9123, 'localhost:9123'],
  ])(
    'refuses the Lambda runtime API at %s:%i (AWS_LAMBDA_RUNTIME_API=%s) even with allowPrivateTargets',
    (ip, port, runtimeApi) => {
      // Act
      const verdict = checkTarget(ip, port, { ...LENIENT, runtimeApi });
      // Assert
      expect(verdict).toEqual({ ok: false, reason: `refused: Lambda runtime API ${ip}:${port}` });
    },
  );

  it('allows another loopback port when the runtime API is elsewhere', () => {
    // Act
    const verdict = checkTarget('127.0.0.1', 9002, { ...LENIENT, runtimeApi: '127.0.0.1:9001' });
    // Assert
    expect(verdict).toEqual({ ok: true });
  });
});

describe('checkUrl', () => {
  it.each([
    ['file:///etc/passwd', 'refused: scheme file: (only http and https)'],
    ['ftp://example.com/', 'refused: scheme ftp: (only http and https)'],
    ['gopher://example.com:70/', 'refused: scheme gopher: (only http and https)'],
    ['http://user:secret@example.com/', 'refused: URL carries credentials'],
    ['https://token@example.com/', 'refused: URL carries credentials'],
  ])('refuses %s', (raw, reason) => {
    // Act
    const verdict = checkUrl(raw);
    // Assert
    expect(verdict).toEqual({ ok: false, reason });
  });

  it('reports an unparsable URL as invalid', () => {
    // Act
    const verdict = checkUrl('not a url');
    // Assert
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/^invalid URL/) });
  });

  it('accepts an http URL and normalises numeric hosts', () => {
    // Act
    const verdict = checkUrl('http://2130706433:8080/health');
    // Assert
    expect(verdict.ok && verdict.url.hostname).toBe('127.0.0.1');
  });
});

describe('canonicalAddress and verifyConnected', () => {
  it('treats two spellings of one address as the same', () => {
    // Act
    const verdict = verifyConnected('::ffff:127.0.0.1', '127.0.0.1');
    // Assert
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe(canonicalAddress('::1'));
    expect(verdict).toEqual({ ok: true });
  });

  it('fails when the peer is not the checked address', () => {
    // Act
    const verdict = verifyConnected('127.0.0.2', '127.0.0.1');
    // Assert
    expect(verdict).toEqual({
      ok: false,
      reason: 'refused: connected to 127.0.0.2, not the checked address 127.0.0.1',
    });
  });
});

describe('guardedLookup', () => {
  it('answers with the checked address', async () => {
    // Arrange
    const resolve = scriptedResolver(['93.184.215.14']);
    // Act
    const answer = await lookupWith(guardedLookup({ ...STRICT, port: 443 }, resolve), 'example.com');
    // Assert
    expect(answer).toEqual({ err: null, address: '93.184.215.14', family: 4 });
  });

  it('answers `all` lookups (happy eyeballs) with only the first checked address', async () => {
    // Arrange
    const resolve = scriptedResolver(['2606:4700::1', '93.184.215.14']);
    // Act
    const answer = await lookupWith(guardedLookup({ ...STRICT, port: 443 }, resolve), 'example.com', { all: true });
    // Assert
    expect(answer.address).toEqual([{ address: '2606:4700::1', family: 6 }]);
  });

  it('refuses a host when any of its addresses is refused', async () => {
    // Arrange
    const resolve = scriptedResolver(['93.184.215.14', '127.0.0.1']);
    // Act
    const answer = await lookupWith(guardedLookup({ ...STRICT, port: 80 }, resolve), 'rebind.example');
    // Assert
    expect(answer.err).toBeInstanceOf(TargetRefusedError);
    expect(answer.err?.message).toMatch(
      /^refused: loopback address 127\.0\.0\.1 .*\(one of 2 addresses of rebind\.example\)$/,
    );
  });

  it('checks every resolution: a rebinding answer on the next lookup is refused, never passed on', async () => {
    // Arrange
    const resolve = scriptedResolver(['93.184.215.14'], ['127.0.0.1']);
    const lookup = guardedLookup({ ...STRICT, port: 80 }, resolve);
    // Act
    const first = await lookupWith(lookup, 'rebind.example');
    const second = await lookupWith(lookup, 'rebind.example');
    // Assert
    expect(first.address).toBe('93.184.215.14');
    expect(second.err).toBeInstanceOf(TargetRefusedError);
    expect(resolve.calls).toEqual(['rebind.example', 'rebind.example']);
  });

  it('checks an IP literal without resolving it', async () => {
    // Arrange
    const resolve = scriptedResolver(['93.184.215.14']);
    // Act
    const answer = await lookupWith(guardedLookup({ ...STRICT, port: 80 }, resolve), '169.254.169.254');
    // Assert
    expect(answer.err?.message).toBe('refused: link-local address 169.254.169.254 (instance metadata)');
    expect(resolve.calls).toEqual([]);
  });

  it('reports a host with no address as not found', async () => {
    // Act
    const answer = await resolveChecked('empty.example', 80, STRICT, scriptedResolver([]));
    // Assert
    expect(answer).toEqual({ ok: false, error: expect.objectContaining({ code: 'ENOTFOUND' }) });
  });

  it('passes a resolver failure on', async () => {
    // Arrange
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    // Act
    const answer = await lookupWith(
      guardedLookup({ ...STRICT, port: 80 }, () => Promise.reject(failure)),
      'nowhere.invalid',
    );
    // Assert
    expect(answer.err).toBe(failure);
  });
});
