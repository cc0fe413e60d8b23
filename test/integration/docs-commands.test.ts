import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.js';
import { cliIn } from '../helpers/cli.js';
import { DOC_FILES, docCommands } from '../helpers/docs.js';

// Docs that cannot drift: every `r53-failover …` line in README.md and docs/*.md (fenced blocks and inline code) is
// handed to the real CLI with `--help` added. Each command parses its flags against its own option table (node:util
// parseArgs, strict) before it looks at --help, so a renamed or removed flag, or a command that no longer exists,
// exits 2 here and fails the suite naming the doc file and line. Nothing runs: --help only prints the usage.

const cli = cliIn();
const cwd = mkdtempSync(join(tmpdir(), 'r53f-docs-'));
const commands = docCommands();

describe('every documented r53-failover command line', () => {
  it('finds the documented command lines (the parser itself works)', () => {
    expect(DOC_FILES).toContain('README.md');
    expect(commands.length).toBeGreaterThan(40);
    const named = new Set(commands.map((c) => c.command));
    for (const c of ['history', 'status', 'drill', 'check', 'verify', 'export', 'promote']) expect(named).toContain(c);
  });

  it.each(commands.map((c) => [`${c.file}:${c.line}`, c] as const))('%s', async (_where, c) => {
    const where = `${c.file}:${c.line}: \`${c.text.trim()}\``;
    if (c.command === '--version' || c.command === '-v') {
      expect((await cli(cwd, c.command)).code, where).toBe(0);
      return;
    }
    if (c.command === 'help') {
      const [name] = c.args;
      if (name && !/^<.*>$/.test(name)) expect(Object.keys(COMMANDS), `${where}: no command ${name}`).toContain(name);
      return;
    }
    expect(Object.keys(COMMANDS), `${where}: no command ${c.command}`).toContain(c.command);
    let res = await cli(cwd, c.command, ...c.args, '--help');
    // Prose names a flag without its value (`check --hosted-zone-id`): that is the flag existing, with any value.
    if (
      res.code !== 0 &&
      /argument missing|argument is ambiguous/.test(res.err) &&
      /^--[^=]+$/.test(c.args.at(-1) ?? '')
    )
      res = await cli(cwd, c.command, ...c.args, 'VALUE', '--help');
    expect(res.err, where).toBe('');
    expect(res.code, where).toBe(0);
  });
});

describe('the doc command check fails on a flag that does not exist', () => {
  it('a made-up flag exits 2 through the same path', async () => {
    const res = await cli(cwd, 'history', '--group', 'orders-api', '--sinse', '24h', '--help');
    expect(res.code).toBe(2);
    expect(res.err).toContain("Unknown option '--sinse'");
  });
});

describe('the doc parser', () => {
  it('reads fenced and inline commands, comments, pipes, alternatives, redirections and output it must skip', () => {
    const file = join(cwd, 'sample.md');
    writeFileSync(
      file,
      [
        'Run `r53-failover history --group a --since 24h` or `npx r53-failover status --json | jq .groups`.',
        'It prints `r53-failover history: opening table x failed: boom` and `cd r53-failover && npm ci`.',
        '```sh',
        'R53F_DEBUG=1 npx r53-failover export --format csv \\',
        '  --since 30d > out.csv   # json | ndjson',
        'node bin/r53-failover.mjs notify --status | --redrive | --sweep [--at TIME]',
        '```',
      ].join('\n'),
    );
    expect(docCommands([file]).map((c) => [c.line, c.command, c.args.join(' ')])).toEqual([
      [1, 'history', '--group a --since 24h'],
      [1, 'status', '--json'],
      [4, 'export', '--format csv --since 30d'],
      [6, 'notify', '--status'],
      [6, 'notify', '--redrive'],
      [6, 'notify', '--sweep --at TIME'],
    ]);
  });
});
