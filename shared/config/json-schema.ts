import * as z from 'zod/mini';
import { failoverConfigSchema } from './schema.js';

/** Where the generated schema lives (repository and package root), as the example's yaml-language-server line says. */
export const CONFIG_JSON_SCHEMA_FILE = 'failover.schema.json';

type Json = Record<string, unknown>;
type Override = NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'];

/** `https?` → `[Hh][Tt][Tt][Pp][Ss]?`: a URL's scheme is case-insensitive (RFC 3986, 3.1), JSON Schema has no flags. */
const eitherCase = (source: string) => source.replace(/[a-z]/g, (c) => `[${c.toUpperCase()}${c}]`);

/**
 * What `z.toJSONSchema` cannot say by itself, said for what a user writes:
 * - `z.url({ protocol })` becomes `format: uri` only; the protocol is added as a pattern (`^(?:https?)://`: every
 *   URL in failover.yml has a host, and zod requires the `//` of an http(s) URL);
 * - a regex with flags (`/…/i`) loses them in `pattern`, which would reject what zod accepts: such a pattern is
 *   dropped, so the editor is laxer there and zod, at load, the judge.
 */
const override: Override = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def as { format?: string; protocol?: RegExp };
  if (def.format === 'url' && def.protocol instanceof RegExp && jsonSchema.pattern === undefined) {
    const body = def.protocol.source.replace(/^\^/, '').replace(/\$$/, '');
    jsonSchema.pattern = `^(?:${eitherCase(body)})://`;
  }
  const patterns = (zodSchema._zod as { bag?: { patterns?: Set<RegExp> } }).bag?.patterns;
  if (patterns && [...patterns].some((p) => /[ims]/.test(p.flags))) {
    delete jsonSchema.pattern;
    delete jsonSchema.allOf;
  }
};

/**
 * failover.yml as JSON Schema (draft 2020-12), generated from the one zod schema (shared/config/schema.ts) for
 * editors: the input side (what a user writes: defaults optional, values before their transforms), strict objects
 * with `additionalProperties: false` so a typo'd key is flagged. Cross-field rules (a channel named but not
 * configured, a health check used twice, a webhook without a secret…) live in zod's superRefine: only loading the
 * file (`r53-failover check --config`, the deploy) checks those. Written to failover.schema.json by the build.
 */
export const configJsonSchema = (): Json => {
  const { $schema, ...rest } = z.toJSONSchema(failoverConfigSchema(), {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override,
  }) as Json;
  return {
    $schema,
    title: 'r53-failover failover.yml',
    description:
      'Configuration of r53-failover (README.md#configuration-failoveryml). Generated from shared/config/schema.ts by the build: do not edit.',
    ...rest,
  };
};

/** The file's text: what `npm run build` writes and `r53-failover schema` prints. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
