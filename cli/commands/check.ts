import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { changeBatchInput, parseChangeBatch } from '../../shared/check/change-batch.js';
import { configInput } from '../../shared/check/config-input.js';
import type { CheckInput, CheckReport, DetectionRow, Finding } from '../../shared/check/findings.js';
import { liveInput, type LiveClients } from '../../shared/check/live.js';
import { checkSetup } from '../../shared/check/rules.js';
import { loadConfigFile } from '../../shared/config/file.js';
import { UsageError } from '../../shared/support/errors.js';
import { parseFlags } from '../args.js';
import type { Io } from '../context.js';

export const CHECK_HELP = `r53-failover check --change-batch FILE [--zone-name example.com.] [--hosted-zone-id Z…] [--json]
r53-failover check --config failover.yml [--zone-name example.com.] [--json]
r53-failover check --hosted-zone-id Z… [--check-alarms] [--json]

Lints a Route 53 failover setup and lists each finding with its severity (error, warning, info), the record, why it
matters and how to fix it, then per failover member how long after a failure Route 53 treats it as unhealthy and
r53-failover records it (earliest–latest seconds). Exit status 1 when any finding is an error, 2 on a usage or input
error.

  --change-batch FILE   the JSON given to aws route53 change-resource-record-sets (--change-batch or --cli-input-json
                        form); the zone is --zone-name, or inferred from the record names (and said so)
  --config FILE         failover.yml: each group is a PRIMARY/SECONDARY pair of recordName/recordType
  --hosted-zone-id ID   read the live zone (read-only: GetHostedZone, ListResourceRecordSets, GetHealthCheck); with
                        --change-batch it only names the zone
  --check-alarms        live only: look for AWS/Route53 HealthCheckStatus alarms in us-east-1 (DescribeAlarms)

Rules: docs/check.md.`;

let clients: LiveClients | undefined;
/** Built on first live use only; us-east-1 because HealthCheckStatus alarms live there (Route 53 itself is global). */
const liveClients = (): LiveClients =>
  (clients ??= {
    route53: new Route53Client({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  });

const MARK: Record<Finding['severity'], string> = { error: '✘', warning: '!', info: 'i' };

const span = (r: [number, number]) => (r[0] === r[1] ? `${r[0]} s` : `${r[0]}–${r[1]} s`);
const BASIS: Record<DetectionRow['basis'], string> = {
  'health-check': 'health check',
  'target-health': 'load balancer target health',
  none: 'nothing judges it',
};

const detectionLine = (d: DetectionRow) =>
  `  ${d.record}: ` +
  (d.unhealthySeconds === null
    ? d.basis === 'none'
      ? `never unhealthy (${BASIS.none}${d.role === 'PRIMARY' ? ': never fails over' : ''})`
      : `not modelled (${d.note ?? BASIS[d.basis]})`
    : `unhealthy in Route 53 after ${span(d.unhealthySeconds)}` +
      (d.recordedSeconds ? `, recorded after ${span(d.recordedSeconds)}` : '') +
      ` (${d.healthCheckType ? `${d.healthCheckType} ` : ''}${BASIS[d.basis]}, ${d.intervalSeconds} s × ${d.threshold}` +
      `${d.assumed ? '; defaults assumed' : ''})`);

const print = (io: Io, what: string, report: CheckReport) => {
  io.out(`r53-failover check: ${what}`);
  for (const f of report.findings) {
    io.out(`${MARK[f.severity]} ${f.severity} ${f.rule}  ${f.record}`);
    io.out(`    ${f.message}`);
    io.out(`    why: ${f.why}`);
    io.out(`    fix: ${f.fix}`);
  }
  if (report.detection.length)
    io.out(
      [
        'Detection per failover member (from its failure; clients add the TTL):',
        ...report.detection.map(detectionLine),
      ].join('\n'),
    );
  const count = (s: Finding['severity']) => report.findings.filter((f) => f.severity === s).length;
  io.out(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`);
};

const readText = (io: Io, flag: string, file: string): string => {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(
      `--${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
};

/** `r53-failover check`: builds the input from one source, runs every rule, prints the report; exit 1 on any error. */
export const check = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('check', args, {
    'change-batch': { type: 'string' },
    config: { type: 'string' },
    'hosted-zone-id': { type: 'string' },
    'zone-name': { type: 'string' },
    'check-alarms': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(CHECK_HELP);
    return 0;
  }
  const batchFile = values['change-batch'];
  const zoneId = values['hosted-zone-id'];
  const configFile = values.config ?? (batchFile || zoneId ? undefined : io.env.R53F_CONFIG);
  if (batchFile && values.config) throw new UsageError('check: give --change-batch or --config, not both');
  if (configFile && zoneId)
    throw new UsageError('check: --hosted-zone-id reads the live zone; it does not go with --config');
  if (values['check-alarms'] && (batchFile || !zoneId))
    throw new UsageError('check: --check-alarms needs the live zone (--hosted-zone-id without --change-batch)');
  if (values['zone-name'] && !batchFile && !configFile)
    throw new UsageError('check: --zone-name goes with --change-batch or --config (the live zone has its own name)');

  let input: CheckInput;
  let what: string;
  if (batchFile) {
    const batch = parseChangeBatch(readText(io, 'change-batch', batchFile), batchFile);
    input = changeBatchInput(batch, {
      ...(values['zone-name'] ? { zoneName: values['zone-name'] } : {}),
      ...(zoneId ? { hostedZoneId: zoneId } : {}),
    });
    what = `change batch ${batchFile}`;
  } else if (configFile) {
    const { config, path } = loadConfigFile(configFile, io.cwd);
    if (Object.keys(config.groups).length === 0)
      throw new UsageError(`check: ${path ?? configFile} has no groups to check`);
    input = configInput(config, values['zone-name'] ? { zoneName: values['zone-name'] } : {});
    what = `config ${configFile}`;
  } else if (zoneId) {
    input = await liveInput(zoneId, liveClients(), { checkAlarms: values['check-alarms'] });
    what = `hosted zone ${zoneId}`;
  } else {
    throw new UsageError('check: give --change-batch FILE, --config FILE or --hosted-zone-id ID');
  }
  const report = checkSetup(input);
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else print(io, what, report);
  return report.ok ? 0 : 1;
};
