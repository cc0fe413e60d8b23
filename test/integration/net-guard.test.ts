import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedLookup, TargetRefusedError, watchSocket, type Resolve } from '../../shared/net/guard.js';
import { runTcpProbe } from '../../shared/probe/tcp-probe.js';
import { refusedUrl } from '../helpers/http-receiver.js';

interface TcpPeer {
  port: number;
  /** Remote addresses of accepted connections. */
  peers: string[];
  /** Bytes received over all connections. */
  bytes: number;
  /** Settles once the first accepted connection has closed on the server side. */
  firstClosed: Promise<void>;
  close(): Promise<void>;
}

const open: TcpPeer[] = [];

/** A TCP server on `host` that records connections and bytes and never answers. */
const startTcpPeer = async (host: string, port = 0): Promise<TcpPeer> => {
  const sockets = new Set<Socket>();
  let onFirstClose = () => {};
  const firstClosed = new Promise<void>((resolve) => (onFirstClose = resolve));
  const peer: TcpPeer = { port: 0, peers: [], bytes: 0, firstClosed, close: () => Promise.resolve() };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', onFirstClose);
    peer.peers.push(socket.remoteAddress ?? '?');
    socket.on('data', (chunk: Buffer) => (peer.bytes += chunk.length));
    // The client side destroys these sockets on purpose; a reset here is expected, not a failure.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  peer.port = (server.address() as AddressInfo).port;
  peer.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  open.push(peer);
  return peer;
};

/** A resolver answering each call with the next address, recording the names asked for. */
const sequence = (...addresses: string[]): Resolve & { calls: string[] } => {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const address = addresses[Math.min(calls.length, addresses.length - 1)] ?? '';
    calls.push(hostname);
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(resolve, { calls });
};

const never: Resolve = () => new Promise(() => undefined);

const connectOutcome = (socket: Socket) =>
  new Promise<{ connected: boolean; error?: Error }>((resolve) => {
    socket.once('connect', () => {
      if (!socket.destroyed) resolve({ connected: true });
    });
    socket.once('error', (error) => resolve({ connected: false, error }));
  });

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('guardedLookup with real sockets', () => {
  it('connects to the address it checked when DNS rebinds between lookups', async () => {
    // Arrange: the name first resolves to A, then to B, both listening on one port.
    const checked = await startTcpPeer('127.0.0.1');
    const rebound = await startTcpPeer('127.0.0.2', checked.port);
    const resolve = sequence('127.0.0.1', '127.0.0.2');
    let seen: string | undefined;
    const lookup = guardedLookup(
      { allowPrivateTargets: true, port: checked.port, onChecked: (a) => (seen = a) },
      resolve,
    );
    // Act
    const socket = connect({ host: 'rebind.test', port: checked.port, lookup });
    watchSocket(socket, () => seen);
    const outcome = await connectOutcome(socket);
    socket.destroy();
    // Assert
    expect(outcome.connected).toBe(true);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(rebound.peers).toEqual([]);
  });

  it('refuses a loopback answer without allowPrivateTargets and never connects', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    const lookup = guardedLookup({ allowPrivateTargets: false, port: peer.port }, sequence('127.0.0.1'));
    // Act
    const outcome = await connectOutcome(connect({ host: 'loopback.test', port: peer.port, lookup }));
    // Assert
    expect(outcome.error).toBeInstanceOf(TargetRefusedError);
    expect(peer.peers).toEqual([]);
  });
});

describe('watchSocket', () => {
  it('destroys a socket whose peer is not the checked address before any queued byte is sent', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    const socket = connect({ host: '127.0.0.1', port: peer.port });
    // Queued before the watch starts, as http.request queues its headers before its 'socket' event.
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    watchSocket(socket, () => '127.0.0.2');
    // Act
    const outcome = await connectOutcome(socket);
    await peer.firstClosed;
    // Assert
    expect(outcome.error).toBeInstanceOf(TargetRefusedError);
    expect(outcome.error?.message).toBe('refused: connected to 127.0.0.1, not the checked address 127.0.0.2');
    expect(peer.bytes).toBe(0);
  });
});

describe('runTcpProbe', () => {
  const spec = { name: 'tcp', host: '127.0.0.1', port: 0, timeoutMs: 300, allowPrivateTargets: true };

  it('is ok when the port accepts a connection', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    // Act
    const result = await runTcpProbe({ ...spec, port: peer.port });
    // Assert
    expect(result).toMatchObject({ ok: true, type: 'tcp', target: `127.0.0.1:${peer.port}`, address: '127.0.0.1' });
    expect(result.error).toBeUndefined();
  });

  it('connects to a host name through the resolver', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    // Act
    const result = await runTcpProbe({ ...spec, host: 'db.test', port: peer.port }, { resolve: sequence('127.0.0.1') });
    // Assert
    expect(result).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(peer.peers).toEqual(['127.0.0.1']);
  });

  it('classifies a closed port as connection refused', async () => {
    // Arrange
    const port = Number(new URL(await refusedUrl()).port);
    // Act
    const result = await runTcpProbe({ ...spec, port });
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('times out when the target never answers', async () => {
    // Act: the name never resolves, so nothing answers within timeoutMs.
    const result = await runTcpProbe({ ...spec, host: 'blackhole.test', port: 5432 }, { resolve: never });
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'timed out after 300 ms' });
  });

  it('refuses loopback without allowPrivateTargets', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    // Act
    const result = await runTcpProbe({ ...spec, port: peer.port, allowPrivateTargets: false });
    // Assert
    expect(result.error).toMatch(/^refused: loopback address 127\.0\.0\.1/);
    expect(peer.peers).toEqual([]);
  });

  it('refuses the Lambda runtime API even with allowPrivateTargets', async () => {
    // Arrange
    const peer = await startTcpPeer('127.0.0.1');
    // Act
    const result = await runTcpProbe(
      { ...spec, host: 'runtime.test', port: peer.port },
      { resolve: sequence('127.0.0.1'), runtimeApi: `127.0.0.1:${peer.port}` },
    );
    // Assert
    expect(result.error).toBe(`refused: Lambda runtime API 127.0.0.1:${peer.port}`);
    expect(peer.peers).toEqual([]);
  });

  it('refuses instance metadata even with allowPrivateTargets', async () => {
    // Act
    const result = await runTcpProbe({ ...spec, host: 'fd00:ec2::254', port: 80 });
    // Assert
    expect(result).toMatchObject({
      ok: false,
      error: 'refused: unique-local address fd00:ec2::254 (instance metadata)',
    });
  });
});
