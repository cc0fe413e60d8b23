import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  NoSuchHealthCheck,
  NoSuchHostedZone,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { R53FailoverError, UsageError } from '../support/errors.js';
import { toRecordSet, type ResourceRecordSetJson } from './change-batch.js';
import {
  normalizeName,
  stripZonePrefix,
  type CheckInput,
  type HealthCheckSummary,
  type RecordSet,
} from './findings.js';

/** A read from Route 53 or CloudWatch failed (credentials, permissions, throttling): the check could not run. */
export class LiveReadError extends R53FailoverError {
  override readonly name: string = 'LiveReadError';
}

export interface LiveClients {
  route53: Route53Client;
  /** Must be in us-east-1: Route 53 publishes HealthCheckStatus there only. Needed for checkAlarms. */
  cloudwatch?: CloudWatchClient;
}

const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (err) {
    // "Not found" is an answer the caller turns into a finding or a usage error, not a failed read.
    if (err instanceof R53FailoverError || err instanceof NoSuchHealthCheck || err instanceof NoSuchHostedZone)
      throw err;
    throw new LiveReadError(`${what} failed`, { cause: err });
  }
};

/**
 * The API's record set in the change batch's spelling, so one normaliser serves both. Route 53 stores no TTL on an
 * alias record (it rejects one), so a TTL listed beside an AliasTarget (moto_server lists `TTL: 0`) is not the zone's.
 */
const fromApi = (s: ResourceRecordSet): ResourceRecordSetJson => ({
  Name: s.Name ?? '',
  Type: s.Type ?? '',
  ...(s.SetIdentifier !== undefined ? { SetIdentifier: s.SetIdentifier } : {}),
  ...(s.Failover ? { Failover: s.Failover } : {}),
  ...(s.Weight !== undefined ? { Weight: s.Weight } : {}),
  ...(s.Region !== undefined ? { Region: s.Region } : {}),
  ...(s.GeoLocation !== undefined ? { GeoLocation: s.GeoLocation } : {}),
  ...(s.GeoProximityLocation !== undefined ? { GeoProximityLocation: s.GeoProximityLocation } : {}),
  ...(s.MultiValueAnswer !== undefined ? { MultiValueAnswer: s.MultiValueAnswer } : {}),
  ...(s.CidrRoutingConfig !== undefined ? { CidrRoutingConfig: s.CidrRoutingConfig } : {}),
  ...(s.TTL !== undefined && !s.AliasTarget ? { TTL: s.TTL } : {}),
  ...(s.ResourceRecords ? { ResourceRecords: s.ResourceRecords.map((r) => ({ Value: r.Value ?? '' })) } : {}),
  ...(s.AliasTarget
    ? {
        AliasTarget: {
          HostedZoneId: s.AliasTarget.HostedZoneId ?? '',
          DNSName: s.AliasTarget.DNSName ?? '',
          EvaluateTargetHealth: s.AliasTarget.EvaluateTargetHealth ?? false,
        },
      }
    : {}),
  ...(s.HealthCheckId ? { HealthCheckId: s.HealthCheckId } : {}),
});

/** Every record set of the zone: ListResourceRecordSets pages on (name, type, identifier), not on a token. */
const listRecordSets = async (
  route53: Route53Client,
  zoneId: string,
  zone: { name: string; id: string },
): Promise<RecordSet[]> => {
  const records: RecordSet[] = [];
  let page: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId };
  for (;;) {
    const res = await read(`ListResourceRecordSets ${zoneId}`, () =>
      route53.send(new ListResourceRecordSetsCommand(page)),
    );
    for (const set of res.ResourceRecordSets ?? []) records.push(toRecordSet(fromApi(set), 'zone', zone));
    if (!res.IsTruncated) return records;
    page = {
      HostedZoneId: zoneId,
      StartRecordName: res.NextRecordName,
      StartRecordType: res.NextRecordType,
      ...(res.NextRecordIdentifier ? { StartRecordIdentifier: res.NextRecordIdentifier } : {}),
    };
  }
};

const healthCheck = async (route53: Route53Client, id: string): Promise<HealthCheckSummary> => {
  try {
    const res = await read(`GetHealthCheck ${id}`, () =>
      route53.send(new GetHealthCheckCommand({ HealthCheckId: id })),
    );
    const c = res.HealthCheck?.HealthCheckConfig;
    const alarm = res.HealthCheck?.CloudWatchAlarmConfiguration;
    return {
      id,
      exists: true,
      type: c?.Type ?? 'UNKNOWN',
      ...(c?.ResourcePath !== undefined ? { resourcePath: c.ResourcePath } : {}),
      ...(c?.SearchString !== undefined ? { searchString: c.SearchString } : {}),
      ...((c?.FullyQualifiedDomainName ?? c?.IPAddress)
        ? { fqdn: (c.FullyQualifiedDomainName ?? c.IPAddress) as string }
        : {}),
      ...(c?.Port !== undefined ? { port: c.Port } : {}),
      ...(c?.RequestInterval !== undefined ? { requestInterval: c.RequestInterval } : {}),
      ...(c?.FailureThreshold !== undefined ? { failureThreshold: c.FailureThreshold } : {}),
      ...(alarm?.Period !== undefined ? { alarmPeriod: alarm.Period } : {}),
      ...(alarm?.EvaluationPeriods !== undefined ? { alarmEvaluationPeriods: alarm.EvaluationPeriods } : {}),
      ...(c?.AlarmIdentifier?.Region ? { alarmRegion: c.AlarmIdentifier.Region } : {}),
      ...(c?.ChildHealthChecks ? { childCount: c.ChildHealthChecks.length } : {}),
    };
  } catch (err) {
    if (err instanceof NoSuchHealthCheck) return { id, exists: false, type: 'UNKNOWN' };
    throw err;
  }
};

const watchedHealthChecks = (alarm: MetricAlarm): string[] => {
  const metrics = [
    { Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions },
    ...(alarm.Metrics ?? []).map((m) => m.MetricStat?.Metric ?? {}),
  ];
  return metrics
    .filter((m) => m.Namespace === 'AWS/Route53' && m.MetricName === 'HealthCheckStatus')
    .flatMap((m) =>
      (m.Dimensions ?? [])
        .filter((d) => d.Name === 'HealthCheckId' && d.Value)
        .map((d) => (d.Value as string).toLowerCase()),
    );
};

/** Health check id → alarms on its HealthCheckStatus (plain metric alarms and metric-math alarms alike). */
const healthCheckAlarms = async (cloudwatch: CloudWatchClient): Promise<Map<string, string[]>> => {
  const out = new Map<string, string[]>();
  let token: string | undefined;
  do {
    const res = await read('DescribeAlarms (us-east-1)', () =>
      cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], ...(token ? { NextToken: token } : {}) }),
      ),
    );
    for (const alarm of res.MetricAlarms ?? []) {
      for (const id of watchedHealthChecks(alarm))
        out.set(id, [...(out.get(id) ?? []), alarm.AlarmName ?? '(unnamed)']);
    }
    token = res.NextToken;
  } while (token);
  return out;
};

/** A hosted zone as read from Route 53: its name, every record set, and each health check a failover record names. */
export interface ZoneRead {
  id: string;
  name: string;
  records: RecordSet[];
  healthChecks: Map<string, HealthCheckSummary>;
}

/** GetHostedZone, every page of ListResourceRecordSets, GetHealthCheck per failover health check: read-only. */
export const readZone = async (hostedZoneId: string, route53: Route53Client): Promise<ZoneRead> => {
  const id = stripZonePrefix(hostedZoneId);
  let name: string;
  try {
    const zone = await read(`GetHostedZone ${id}`, () => route53.send(new GetHostedZoneCommand({ Id: id })));
    name = normalizeName(zone.HostedZone?.Name ?? '');
  } catch (err) {
    if (err instanceof NoSuchHostedZone) throw new UsageError(`--hosted-zone-id: no hosted zone ${id}`, { cause: err });
    throw err;
  }
  const records = await listRecordSets(route53, id, { name, id });
  const ids = [...new Set(records.filter((r) => r.failover && r.healthCheckId).map((r) => r.healthCheckId as string))];
  const healthChecks = new Map<string, HealthCheckSummary>();
  // One at a time: the Route 53 API allows five requests per second per account.
  for (const hc of ids) healthChecks.set(hc, await healthCheck(route53, hc));
  return { id, name, records, healthChecks };
};

/** Reads the zone read-only (readZone), and optionally the alarms. */
export const liveInput = async (
  hostedZoneId: string,
  clients: LiveClients,
  opts: { checkAlarms: boolean },
): Promise<CheckInput> => {
  const { records, healthChecks } = await readZone(hostedZoneId, clients.route53);
  let alarms: Map<string, string[]> | undefined;
  if (opts.checkAlarms) {
    if (!clients.cloudwatch) throw new UsageError('--check-alarms needs a CloudWatch client in us-east-1');
    alarms = await healthCheckAlarms(clients.cloudwatch);
  }
  return { mode: 'live', records, zoneComplete: true, healthChecks, ...(alarms ? { alarms } : {}), notes: [] };
};
