import { existsSync, linkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { configInput } from '../../shared/check/config-input.js';
import { readZone } from '../../shared/check/live.js';
import { checkSetup } from '../../shared/check/rules.js';
import { DEFAULT_CONFIG_FILE, parseConfigText } from '../../shared/config/file.js';
import { draftFromZone } from '../../shared/init/draft.js';
import { loadBalancerFinder } from '../../shared/init/load-balancers.js';
import { fillIns, renderFailoverYml } from '../../shared/init/render.js';
import { ConfigError, R53FailoverError, UsageError } from '../../shared/support/errors.js';
import { parseFlags } from '../args.js';
import type { Io } from '../context.js';

export const INIT_HELP = `r53-failover init --hosted-zone-id Z… [--out failover.yml] [--force]

Reads a live hosted zone and writes a commented failover.yml with one group per failover pair (a PRIMARY and a
SECONDARY record of one name and type): hostedZoneId, recordName, recordType, and per member its region, its health
basis (healthCheckId; targetHealth for an alias to an ALB/NLB with Evaluate Target Health and no health check;
healthCheck: none) and dnsAnswers (the record's values, or the alias target's name). A value it cannot find (a region
nothing names, a load balancer it cannot see) is written as a FILL IN comment, and loading the file (check --config)
names that field until it is filled in. Then it runs check --config on what it wrote and prints the summary.

Read-only: GetHostedZone, ListResourceRecordSets, GetHealthCheck (Route 53); DescribeLoadBalancers and
DescribeTargetGroups in each load balancer's region (Elastic Load Balancing).

Options:
  --hosted-zone-id ID   the zone to read (Z… or /hostedzone/Z…)
  --out FILE            where to write (default failover.yml)
  --force               replace FILE if it exists (without it an existing FILE is never touched: exit 2)

Exit status: 0 written, 1 a read from AWS failed, 2 usage error or FILE exists.`;

let route53: Route53Client | undefined;
const elbClients = new Map<string, ElasticLoadBalancingV2Client>();
/** Route 53 is global (its API is in us-east-1); load balancers are read in their own region. */
const clients = () => ({
  route53: (route53 ??= new Route53Client({ region: 'us-east-1' })),
  elbFor: (region: string) => {
    let c = elbClients.get(region);
    if (!c) elbClients.set(region, (c = new ElasticLoadBalancingV2Client({ region })));
    return c;
  },
});

const exists = (shown: string): UsageError =>
  new UsageError(`${shown} exists; pass --force to replace it (nothing written)`);

/** Writes `text` to `file` whole or not at all; without `force` an existing file is left alone (EEXIST, atomically). */
const writeNew = (file: string, shown: string, text: string, force: boolean) => {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, text, { flag: 'wx' });
    if (force) renameSync(partial, file);
    else linkSync(partial, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && !force) throw exists(shown);
    throw new R53FailoverError(`cannot write ${shown}`, { cause: err });
  } finally {
    rmSync(partial, { force: true });
  }
};

/** `r53-failover init`: a live hosted zone → failover.yml, then `check --config` on the result. */
export const init = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('init', args, {
    'hosted-zone-id': { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(INIT_HELP);
    return 0;
  }
  const zoneId = values['hosted-zone-id'];
  if (!zoneId) throw new UsageError('give --hosted-zone-id Z… (the hosted zone to read)');
  const shown = values.out ?? DEFAULT_CONFIG_FILE;
  if (shown === '') throw new UsageError('--out: expected a file name, got ""');
  const file = resolve(io.cwd, shown);
  // Before reading anything: an existing file is the answer whatever the zone holds.
  if (!values.force && existsSync(file)) throw exists(shown);

  const { route53, elbFor } = clients();
  const zone = await readZone(zoneId, route53);
  const draft = await draftFromZone(zone, loadBalancerFinder(elbFor));
  const text = renderFailoverYml(draft, {
    command: `r53-failover init --hosted-zone-id ${zone.id}`,
    at: io.now().toISOString(),
  });
  writeNew(file, shown, text, values.force);

  const n = draft.groups.length;
  io.out(
    `r53-failover init: wrote ${shown}: ${n} group${n === 1 ? '' : 's'} from hosted zone ${zone.name} (${zone.id})`,
  );
  for (const s of draft.skipped) io.out(`  not written: ${s}`);
  const todo = fillIns(draft);
  if (todo.length) io.out(['To fill in (marked FILL IN in the file):', ...todo.map((t) => `  ${t}`)].join('\n'));
  try {
    const report = checkSetup(configInput(parseConfigText(text, shown), { zoneName: zone.name }));
    const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
    io.out(
      `check --config ${shown}: ${count('error')} error(s), ${count('warning')} warning(s)` +
        (report.ok ? '' : ` (r53-failover check --config ${shown} lists them)`),
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.out(`check --config ${shown}: does not load until it is filled in: ${err.message}`);
  }
  return 0;
};
