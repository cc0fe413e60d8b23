import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/** A PEM key pair and certificate. */
export interface Pem {
  key: string;
  cert: string;
}

const DAY_MS = 86_400_000;

// EC keys: generated in milliseconds, where RSA-2048 takes about a second each.
const base = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const;

/** A test certificate authority, to be trusted through the probe's `ca` dependency. */
export const makeCa = async (name = 'r53-failover test CA'): Promise<Pem> => {
  const pems = await generate([{ name: 'commonName', value: name }], {
    ...base,
    notBeforeDate: new Date(Date.now() - DAY_MS),
    notAfterDate: new Date(Date.now() + 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { key: pems.private, cert: pems.cert };
};

/** A server certificate for `host`, valid from `notBefore` to `notAfter`, signed by `ca` (self-signed without one). */
export const makeServerCert = async (
  host: string,
  validity: { notBefore: Date; notAfter: Date },
  ca?: Pem,
): Promise<Pem> => {
  const pems = await generate([{ name: 'commonName', value: host }], {
    ...base,
    notBeforeDate: validity.notBefore,
    notAfterDate: validity.notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
    ],
    ...(ca ? { ca } : {}),
  });
  return { key: pems.private, cert: pems.cert };
};

/** Validity windows relative to now. */
export const validFor = (days: number) => ({
  notBefore: new Date(Date.now() - DAY_MS),
  notAfter: new Date(Date.now() + days * DAY_MS),
});
export const expiredDaysAgo = (days: number) => ({
  notBefore: new Date(Date.now() - (days + 30) * DAY_MS),
  notAfter: new Date(Date.now() - days * DAY_MS),
});

export interface TlsTarget {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 presenting `pem` and answering every request 200 `ok`. */
export const startTlsServer = async (pem: Pem, extra: ServerOptions = {}): Promise<TlsTarget> => {
  const server = createServer({ ...pem, ...extra }, (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
};
