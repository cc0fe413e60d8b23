import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EXPORT_FORMATS, exportEvidence, exportLedger, type ExportFormat } from '../../shared/audit/export.js';
import type { OpenedLedger } from '../../local/embedded-ledger.js';
import { R53FailoverError, UsageError } from '../../shared/support/errors.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { COMMON_OPTIONS, FILTER_OPTIONS, parseFlags, parseTimeFlag, type LedgerFlags } from '../args.js';
import { openCliLedger, type Io } from '../context.js';

export const EXPORT_HELP = `r53-failover export [--format json|ndjson|csv] [options]
r53-failover export --evidence <group>#<episode> [--out FILE]

Writes the ledger out, streaming it a page at a time.

Options:
  --format F        json (default): one document {"version": 1, "exportedAt", "entries": [...]}, one entry per line
                    ndjson: one entry per line; csv: RFC 4180, CRLF, columns group,seq,kind,event,role,state,
                    previousState,stateChangedAt,recordedAt,sources (joined with |),healthCheckId,alarmName,alarmArn,
                    region,serving,episode,stale,reason,prevHash,hash
  --group NAME      one group (default: all groups)
  --since TIME      ISO 8601 time or a duration back from now (30m, 24h, 7d); on the state-change time
  --until TIME      same form; inclusive
  --out FILE        write to FILE (complete or not at all) instead of stdout
  --evidence G#N    one failover episode as a JSON evidence bundle: timeline, alarm states, probe verdicts and
                    results, notifications and their delivery, promotion approvals, and the chain hashes to check them
  --ledger, --table, --stage, --region, --profile   as for ingest

Order: without --since/--until, group by group in chain (seq) order, every field kept (snapshot included): what
verify --file checks. With --since or --until, a time window in state-change order: for reading, not for verify.
A CSV export leaves out the snapshot and the probe/promotion details, so it cannot be verified either.`;

/**
 * `io.out` as a stream of whole lines (it ends every call with a newline, so partial lines wait for the rest). It
 * never buffers: process stdout writes files and, on Linux, pipes synchronously, so a slow reader holds the export.
 */
const ioStream = (io: Io): Writable => {
  let pending = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      pending += chunk.toString();
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        io.out(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
      callback();
    },
    final(callback) {
      if (pending) io.out(pending);
      callback();
    },
  });
};

/** Writes via `FILE.partial`, renamed on success: an interrupted export never leaves a truncated FILE behind. */
export const toFile = async <T>(file: string, fn: (out: Writable) => Promise<T>): Promise<T> => {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let failure: Error | undefined;
  out.on('error', (err) => {
    failure = err; // kept for the message below; the export stops at its next write (the stream is no longer writable)
  });
  try {
    const result = await fn(out);
    out.end();
    await finished(out);
    await rename(partial, file);
    return result;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw failure ? new R53FailoverError(`export: cannot write ${file}`, { cause: failure }) : err;
  }
};

const toStdout = async <T>(io: Io, fn: (out: Writable) => Promise<T>): Promise<T> => {
  const out = ioStream(io);
  const result = await fn(out);
  out.end();
  await finished(out);
  return result;
};

const parseEpisodeRef = (ref: string): { group: string; episode: number } => {
  const at = ref.lastIndexOf('#');
  const episode = Number(ref.slice(at + 1));
  if (at <= 0 || !Number.isInteger(episode) || episode < 1)
    throw new UsageError(
      `export: --evidence: expected <group>#<episode> (e.g. orders-api#3), got ${JSON.stringify(ref)}`,
    );
  return { group: ref.slice(0, at), episode };
};

/** Opens the ledger (embedded or --table) without a config: exporting and verifying need none. */
export const withLedger = async <T>(
  io: Io,
  flags: LedgerFlags,
  fn: (ledger: OpenedLedger) => Promise<T>,
): Promise<T> => {
  const ledger = await openCliLedger(io, flags);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
};

export const exportCommand = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('export', args, {
    ...COMMON_OPTIONS,
    ...FILTER_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string' },
    evidence: { type: 'string' },
  });
  if (values.help) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const file = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  const emit = <T>(fn: (out: Writable) => Promise<T>) => (file ? toFile(file, fn) : toStdout(io, fn));
  if (values.evidence !== undefined) {
    if (values.format || values.group || values.since || values.until)
      throw new UsageError('export: --evidence takes only --out (the bundle is one JSON document about one episode)');
    const { group, episode } = parseEpisodeRef(values.evidence);
    return withLedger(io, values, async (ledger) => {
      const bundle = await exportEvidence(
        ledger.store,
        new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName),
        new DynamoDbProbeStore(ledger.doc, ledger.store.tableName),
        group,
        episode,
        { now: io.now },
      );
      await emit(async (out) => void out.write(`${JSON.stringify(bundle, null, 2)}\n`));
      if (file) io.out(`evidence for ${group}#${episode} (${bundle.timeline.length} entries) written to ${file}`);
      return 0;
    });
  }
  const format = (values.format ?? 'json') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new UsageError(
      `export: --format: expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`,
    );
  const now = io.now();
  const since = parseTimeFlag('since', values.since, now);
  const until = parseTimeFlag('until', values.until, now);
  if (since && until && since > until) throw new UsageError(`export: --since (${since}) is after --until (${until})`);
  return withLedger(io, values, async (ledger) => {
    const summary = await emit((out) =>
      exportLedger(ledger.store, out, { format, group: values.group, since, until, now: io.now }),
    );
    if (file) io.out(`${summary.entries} entries (${format}, ${summary.order} order) written to ${file}`);
    return 0;
  });
};
