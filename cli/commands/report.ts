import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildReport, REPORT_FORMATS, type ReportFormat } from '../../shared/audit/report.js';
import { R53FailoverError, UsageError } from '../../shared/support/errors.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { COMMON_OPTIONS, FILTER_OPTIONS, parseFlags } from '../args.js';
import { withContext, type Io } from '../context.js';
import { windowFlags } from './stats.js';
import { renderReport } from '../../shared/audit/report-render.js';

export const REPORT_HELP = `r53-failover report [options]

An audit report per group: a timeline (healthy, failed over, down, unknown) with notifications and promotion
steps, the statistics of r53-failover stats, and every episode with its events.

Options:
  --format text|html|md   default text; html is one self-contained file (no scripts, no external references)
  --out FILE              write to FILE instead of stdout
  --group NAME            one group (default: every configured group and every group in the ledger)
  --since TIME            ISO 8601 time or a duration back from now (30m, 24h, 7d); default 30d
  --until TIME            same form; default now
  --config, --ledger, --table, --stage, --region, --profile   as for ingest`;

export const report = async (args: string[], io: Io): Promise<number> => {
  const { json: _json, ...common } = COMMON_OPTIONS;
  const { values } = parseFlags('report', args, {
    ...common,
    ...FILTER_OPTIONS,
    format: { type: 'string', default: 'text' },
    out: { type: 'string' },
  });
  if (values.help) {
    io.out(REPORT_HELP);
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`report: --format: expected text, html or md, got ${JSON.stringify(values.format)}`);
  const now = io.now();
  const { since, until } = windowFlags('report', values, now);
  return withContext(io, values, async ({ loaded, ledger }) => {
    const deliveries = new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName);
    const built = await buildReport(ledger.store, deliveries, loaded.config, {
      group: values.group,
      since,
      until,
      generatedAt: now.toISOString(),
    });
    const text = renderReport(built, format);
    if (!values.out) {
      io.out(text);
      return 0;
    }
    const path = resolve(io.cwd, values.out);
    try {
      writeFileSync(path, text);
    } catch (err) {
      throw new R53FailoverError(`cannot write ${path}`, { cause: err });
    }
    io.out(`wrote ${path} (${built.groups.length} group(s), ${since} – ${until})`);
    return 0;
  });
};
