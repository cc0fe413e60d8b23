// A failover.yml with N groups, for the scale tests (test/integration/alarm-stacks.test.ts) and `npm run bench`:
// deterministic names, health check ids and endpoints, members spread over region pairs, names of varied length.
const REGION_PAIRS = [
  ['us-east-1', 'us-west-2'],
  ['eu-west-1', 'eu-central-1'],
  ['ap-southeast-1', 'ap-northeast-1'],
  ['us-east-2', 'ca-central-1'],
] as const;
const WORDS = ['orders', 'inventory', 'payments', 'search', 'checkout', 'catalog', 'identity', 'shipping'];

/** Group `i`'s name: `<word>-<i>` with an optional suffix, so names range from 8 to ~40 characters. */
export const syntheticGroupName = (i: number): string =>
  `${WORDS[i % WORDS.length]}-${String(i).padStart(4, '0')}${i % 3 === 0 ? '-api' : i % 3 === 1 ? '-edge-eu-frontdoor' : ''}`;

/** A valid UUID-shaped health check id, unique per (group, member). */
const healthCheckId = (i: number, member: 1 | 2): string =>
  `${(0x10000000 + i).toString(16)}-${member.toString(16).padStart(4, '0')}-4000-8000-${String(i).padStart(12, '0')}`;

/** The YAML text of a version-1 config with `groups` groups (`first` offsets the indexes; `extra` is appended). */
export const syntheticConfigYaml = (groups: number, { first = 0, extra = '' } = {}): string => {
  const lines = ['version: 1', 'groups:'];
  for (let i = first; i < first + groups; i++) {
    const name = syntheticGroupName(i);
    const [primary, secondary] = REGION_PAIRS[i % REGION_PAIRS.length] as readonly [string, string];
    lines.push(
      `  ${name}:`,
      '    hostedZoneId: Z0123456789ABCDEFGHIJ',
      `    recordName: ${name}.example.com.`,
      `    primary: { region: ${primary}, healthCheckId: ${healthCheckId(i, 1)}, endpoint: "https://${name}.${primary}.example.com/healthz" }`,
      `    secondary: { region: ${secondary}, healthCheckId: ${healthCheckId(i, 2)}, endpoint: "https://${name}.${secondary}.example.com/healthz" }`,
    );
  }
  return `${lines.join('\n')}\n${extra}`;
};
