import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { failoverConfigSchema } from '../../shared/config/schema.js';

// The configuration reference in README.md ("Configuration (`failover.yml`)": its YAML example and its key tables)
// held against the one zod schema the loader uses: a documented key the loader would refuse fails, and so does a key
// the schema accepts that the reference never mentions. Member keys are written `groups.<g>.<member>.…` (primary and
// secondary share one schema); a key nested under a documented row counts as documented when the row names it.

type Json = { [k: string]: unknown };
const TOP = ['version', 'accountId', 'groups', 'notify', 'probes', 'audit'];

/** Every key path the schema accepts, as a user writes it (`groups.<g>.<member>.probes[].jsonPath.path`). */
const schemaKeys = (): Set<string> => {
  const root = z.toJSONSchema(failoverConfigSchema(), { io: 'input', unrepresentable: 'any' }) as Json;
  const defs = (root.$defs ?? root.definitions ?? {}) as Record<string, Json>;
  const keys = new Set<string>();
  const seen = new Set<Json>();
  const walk = (node: Json | undefined, path: string): void => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') {
      const def = defs[node.$ref.split('/').at(-1) ?? ''];
      if (def && !seen.has(def)) {
        seen.add(def);
        walk(def, path);
        seen.delete(def);
      }
    }
    for (const k of ['anyOf', 'oneOf', 'allOf'] as const)
      for (const sub of (node[k] as Json[] | undefined) ?? []) walk(sub, path);
    if (node.items && typeof node.items === 'object') walk(node.items as Json, `${path}[]`);
    for (const [k, sub] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
      const name = path === 'groups.<g>' && (k === 'primary' || k === 'secondary') ? '<member>' : k;
      const p = path ? `${path}.${name}` : name;
      keys.add(p);
      walk(sub, p);
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      walk(node.additionalProperties as Json, `${path}.<g>`);
  };
  walk(root, '');
  return keys;
};

interface Documented {
  /** Keys the reference names (absolute paths). */
  keys: Set<string>;
  /** Each table row's keys and its whole text: nested keys a row names in its text count as documented. */
  rows: { keys: string[]; text: string; line: number }[];
}

const normalise = (k: string) =>
  k
    .replace(/\.(primary|secondary)\b/, '.<member>')
    .replace(/<group>|<name>/g, '<g>')
    .replace(/\[\]$/, '');

/** The README's configuration section: the YAML example's key paths and the key column of every table. */
const documentedKeys = (readme = readFileSync('README.md', 'utf8')): Documented => {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## Configuration'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const section = lines.slice(start, end);
  const keys = new Set<string>();
  const rows: Documented['rows'] = [];
  const yamlStart = section.indexOf('```yaml');
  const yamlEnd = section.indexOf('```', yamlStart + 1);
  const addYaml = (v: unknown, path: string) => {
    if (Array.isArray(v)) for (const item of v) addYaml(item, `${path}[]`);
    else if (v && typeof v === 'object')
      for (const [k, sub] of Object.entries(v)) {
        const name =
          path === 'groups' ? '<g>' : path === 'groups.<g>' && /^(primary|secondary)$/.test(k) ? '<member>' : k;
        const p = path ? `${path}.${name}` : name;
        if (name !== '<g>') keys.add(p.replace(/\[\]$/, ''));
        addYaml(sub, p);
      }
  };
  addYaml(parse(section.slice(yamlStart + 1, yamlEnd).join('\n')), '');
  let prefix = '';
  let keyTable = false;
  section.forEach((line, i) => {
    if (!line.startsWith('|')) {
      // A table's rows are relative to the path its lead-in names: "Promotion (per group, `groups.<g>.promotion`…".
      if (line.trim() && !line.startsWith('|')) {
        const lead = /\(per group, `([^`]+)`/.exec(line);
        prefix = lead ? `${lead[1]}.` : '';
      }
      return;
    }
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const head = cells[0] ?? '';
    // Key tables start `| key |`; other tables here (the health bases, …) explain values, not keys.
    if (/^\s*key\s*$/.test(head)) keyTable = true;
    else if (!/^\s*-+\s*$/.test(head) && (section[i - 1] ?? '').trim() === '') keyTable = false;
    if (!keyTable || /^\s*-+\s*$/.test(head) || /^\s*key\s*$/.test(head)) return;
    const rowKeys: string[] = [];
    let parent = '';
    for (const m of head.matchAll(/`([^`]+)`/g)) {
      const token = (m[1] ?? '').trim();
      let key: string;
      if (token.includes('.')) {
        key = TOP.includes(token.split('.')[0] ?? '') ? token : `${prefix}${token}`;
        parent = key.slice(0, key.lastIndexOf('.') + 1);
      } else key = prefix && !parent ? `${prefix}${token}` : `${parent}${token}`;
      rowKeys.push(normalise(key));
    }
    for (const k of rowKeys) keys.add(k);
    rows.push({ keys: rowKeys, text: line, line: start + i + 1 });
  });
  return { keys, rows };
};

describe('the configuration reference in README.md', () => {
  const schema = schemaKeys();
  const docs = documentedKeys();

  it('reads the schema and the reference (both checks below work on real sets)', () => {
    expect(schema).toContain('groups.<g>.<member>.region');
    expect(schema).toContain('notify.flap.holdMinutes');
    expect(docs.keys).toContain('notify.reminderMinutes');
    expect(docs.keys).toContain('groups.<g>.promotion.holdDownSeconds');
  });

  it('documents no key the loader refuses', () => {
    const refused = [...docs.keys].filter((k) => !schema.has(k));
    expect(refused, 'keys in the README that failover.yml cannot have').toEqual([]);
  });

  it('omits no key the loader accepts', () => {
    const named = (key: string): boolean => {
      if (docs.keys.has(key)) return true;
      // A parent of documented keys (`notify.sns`), or a group's override of a documented top-level key.
      if ([...docs.keys].some((k) => k.startsWith(`${key}.`))) return true;
      const override = /^groups\.<g>\.probeSettings\.(.+)$/.exec(key);
      if (override && docs.keys.has('groups.<g>.probeSettings')) return named(`probes.${override[1]}`);
      // Nested under a documented row that names it: `notify.flap` → `{transitions, windowMinutes, holdMinutes}`.
      const leaf = key.split('.').at(-1) ?? '';
      return docs.rows.some(
        (r) =>
          r.keys.some((k) => key.startsWith(`${k}.`) || key.startsWith(`${k}[].`)) &&
          new RegExp(`\\b${leaf}\\b`).test(r.text),
      );
    };
    const missing = [...schema].filter((k) => !named(k));
    expect(missing, 'keys failover.yml accepts that the README configuration reference does not mention').toEqual([]);
  });
});
