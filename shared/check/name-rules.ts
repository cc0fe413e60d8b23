import { recordLabel, type CheckInput, type Finding, type RecordSet } from './findings.js';

/**
 * What may share a name: Route 53 rejects these changes, and a zone copied or imported elsewhere can still hold them.
 *
 * - One routing policy per name and type: records of one name and type are one group, chosen among by one routing
 *   policy ("How Amazon Route 53 chooses records when health checking is configured", Route 53 Developer Guide,
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html);
 *   ChangeResourceRecordSets answers InvalidChangeBatch "RRSet with DNS name …, type A cannot be created as other
 *   RRSets exist with the same name and type".
 * - CNAME: "You can't create a CNAME record at the top node of a DNS namespace, also known as the zone apex", and a
 *   CNAME record's name can have no other record ("CNAME record type", Supported DNS record types, Route 53 Developer
 *   Guide, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat; RFC 1034
 *   §3.6.2, RFC 2181 §10.1). Route 53 answers "RRSet of type A with DNS name … is not permitted because a conflicting
 *   RRSet of type CNAME with the same DNS name already exists".
 */

const finding = (rule: string, r: RecordSet, message: string, why: string, fix: string): Finding => ({
  severity: 'error',
  rule,
  record: recordLabel(r),
  message,
  why,
  fix,
});

const byName = (records: RecordSet[]): Map<string, RecordSet[]> => {
  const out = new Map<string, RecordSet[]>();
  for (const r of records) out.set(r.name, [...(out.get(r.name) ?? []), r]);
  return out;
};

/** Failover records beside records of another routing policy (simple, weighted, latency, geo…) of the same name and type. */
export const mixedRoutingRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  for (const [name, records] of byName(input.records)) {
    for (const type of new Set(records.map((r) => r.type))) {
      const same = records.filter((r) => r.type === type);
      if (!same.some((r) => r.failover)) continue;
      for (const other of same.filter((r) => r.routingPolicy !== undefined && r.routingPolicy !== 'failover'))
        out.push(
          finding(
            'mixed-routing',
            other,
            `${name} ${type} has failover records and a ${other.routingPolicy} record (${other.source})`,
            'Records of one name and type are one group with one routing policy: Route 53 rejects the change ("cannot be created as other RRSets exist with the same name and type"), so the failover pair and this record cannot both exist.',
            `Delete the ${other.routingPolicy} record (in the same change batch as the failover pair), or move it to another name and point a failover member at it with an alias.`,
          ),
        );
    }
  }
  return out;
};

/** A CNAME at the zone apex, and a CNAME beside any other record of its name. */
export const cnameRules = (input: CheckInput): Finding[] => {
  const out: Finding[] = [];
  for (const [name, records] of byName(input.records)) {
    const cnames = records.filter((r) => r.type === 'CNAME');
    if (cnames.length === 0) continue;
    const cname = cnames[0] as RecordSet;
    if (cname.zoneName !== undefined && name === cname.zoneName) {
      out.push(
        finding(
          'apex-cname',
          cname,
          `CNAME at the zone apex ${name}`,
          "The apex holds the zone's SOA and NS records, and a CNAME name can hold nothing else: DNS forbids a CNAME there and Route 53 rejects it.",
          `Use alias A/AAAA records for ${name} (an alias can be a failover member and can point at a load balancer, CloudFront or another record of the zone).`,
        ),
      );
      continue;
    }
    const others = records.filter((r) => r.type !== 'CNAME');
    if (others.length === 0) continue;
    const types = [...new Set(others.map((r) => r.type))].join(', ');
    out.push(
      finding(
        'cname-coexists',
        cname,
        `${name} has a CNAME and ${types} record${others.length === 1 ? '' : 's'} (${others.map((r) => r.source).join(', ')})`,
        'A CNAME makes the name an alias of another name, so no other record can exist at it: Route 53 rejects the change ("not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists"), and resolvers would ignore one or the other.',
        `Replace the CNAME with alias A/AAAA records (which can sit beside ${types}), or move the ${types} record${others.length === 1 ? '' : 's'} to another name.`,
      ),
    );
  }
  return out;
};
