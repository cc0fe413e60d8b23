import { stringify } from 'yaml';
import type { GroupDraft, InitDraft, MemberDraft } from './draft.js';

/** A plain YAML scalar when that reads back as the same string, else quoted (`*.example.com.`, `yes`, `0123`). */
const scalar = (v: string): string => stringify(v).trimEnd();

/** Everything a draft leaves for the reader to fill in, one line each (also marked `FILL IN` in the file). */
export const fillIns = (draft: InitDraft): string[] =>
  draft.groups.flatMap((g) =>
    [g.primary, g.secondary].flatMap((m) => [
      ...(m.region ? [] : [`groups.${g.name}.${m.role}.region: ${m.regionNote.replace(/^FILL IN region: /, '')}`]),
      ...(m.basis.kind === 'unknown' ? [`groups.${g.name}.${m.role}: ${m.basis.fillIn}`] : []),
    ]),
  );

const member = (m: MemberDraft): string[] => {
  const lines = [`    ${m.role}:`, `      # SetIdentifier ${m.setIdentifier}`, ...m.notes.map((n) => `      # ${n}`)];
  if (m.region) lines.push(`      region: ${scalar(m.region)}  # ${m.regionNote}`);
  else lines.push(`      # ${m.regionNote}`, '      # region: <aws-region>');
  switch (m.basis.kind) {
    case 'health-check':
      lines.push(`      healthCheckId: ${scalar(m.basis.healthCheckId)}`);
      break;
    case 'target-health': {
      const lb = m.basis.loadBalancer;
      lines.push(
        '      targetHealth:',
        '        targetGroupArns:',
        ...lb.targetGroups.map((t) => `          - ${scalar(t.arn)}`),
        `        loadBalancerArn: ${scalar(lb.arn)}`,
      );
      break;
    }
    case 'none':
      lines.push('      healthCheck: none');
      break;
    case 'unknown':
      lines.push(
        `      # FILL IN ${m.basis.fillIn}`,
        '      # then one of: healthCheckId: <id>  |  targetHealth: { targetGroupArns: [<arn>] }  |  healthCheck: none',
      );
      break;
  }
  if (m.dnsAnswers.length) lines.push('      dnsAnswers:', ...m.dnsAnswers.map((a) => `        - ${scalar(a)}`));
  if (m.endpoint)
    lines.push(
      `      # endpoint: ${scalar(m.endpoint)}  # what the health check requests: uncomment to probe it from r53-failover too`,
    );
  return lines;
};

const group = (g: GroupDraft, zoneId: string): string[] => [
  `  # ${g.recordName} ${g.recordType}: PRIMARY ${g.primary.setIdentifier}, SECONDARY ${g.secondary.setIdentifier}`,
  `  ${g.name}:`,
  `    hostedZoneId: ${scalar(zoneId)}`,
  `    recordName: ${scalar(g.recordName)}`,
  `    recordType: ${g.recordType}`,
  ...member(g.primary),
  ...member(g.secondary),
];

/**
 * failover.yml for the draft, with a comment on every line worth one: where each value came from, and `FILL IN` (a
 * commented-out key) for each value that could not be read, so loading the file names that field until it is set.
 */
export const renderFailoverYml = (draft: InitDraft, meta: { command: string; at: string }): string => {
  const todo = fillIns(draft);
  const lines = [
    `# failover.yml written by \`${meta.command}\` at ${meta.at}`,
    `# from hosted zone ${draft.zoneName} (${draft.zoneId}): ${draft.groups.length} failover pair${draft.groups.length === 1 ? '' : 's'}` +
      (todo.length ? `, ${todo.length} value${todo.length === 1 ? '' : 's'} to fill in (FILL IN below)` : ''),
    '# Check it: r53-failover check --config failover.yml. Probes, notify and promotion: README.md, Configuration.',
    ...draft.skipped.map((s) => `# not written: ${s}`),
    'version: 1',
    draft.groups.length ? 'groups:' : 'groups: {}',
    ...draft.groups.flatMap((g) => group(g, draft.zoneId)),
  ];
  return `${lines.join('\n')}\n`;
};
