import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** README.md and every docs/*.md: the files whose commands and claims the suite holds to the code. */
export const DOC_FILES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

export interface CodeLine {
  file: string;
  line: number;
  text: string;
  /** In a fenced block (else an inline code span). */
  fenced: boolean;
}

/** The code in a markdown file: each line of a fenced block (continuations joined), and each inline code span. */
export const codeLines = (file: string): CodeLine[] => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: CodeLine[] = [];
  let fence: string | undefined;
  let pending: CodeLine | undefined;
  lines.forEach((raw, i) => {
    const fenceMark = /^\s*(```+|~~~+)/.exec(raw)?.[1];
    if (fenceMark && (fence === undefined || fenceMark.startsWith(fence))) {
      fence = fence === undefined ? fenceMark : undefined;
      return;
    }
    if (fence !== undefined) {
      const text = pending ? `${pending.text} ${raw.trim()}` : raw;
      const at = pending ?? { file, line: i + 1, text, fenced: true };
      if (/\\\s*$/.test(text)) pending = { ...at, text: text.replace(/\\\s*$/, '') };
      else {
        pending = undefined;
        found.push({ ...at, text });
      }
      return;
    }
    for (const m of raw.matchAll(/(`+)([^`]+?)\1/g)) found.push({ file, line: i + 1, text: m[2] ?? '', fenced: false });
  });
  return found;
};

/** Shell-like words: quotes kept together (and removed), `#` comments dropped. */
export const shellWords = (text: string): string[] => {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started || cur) words.push(cur);
      cur = '';
      started = false;
    } else if (c === '#' && !cur && !started) break;
    else cur += c;
  }
  if (started || cur) words.push(cur);
  return words;
};

const PIPE_TARGETS = new Set(['jq', 'head', 'tail', 'grep', 'tee', 'less', 'sort', 'wc', 'cat', 'xargs', 'column']);
/** `…` in a synopsis: more of the same, not a word to pass. */
const ELLIPSIS = /^(…|\.\.\.)$/;

/** The line up to a shell comment (a `#` after whitespace, outside quotes). */
const withoutComment = (text: string): string => {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i);
  }
  return text;
};

export interface DocCommand {
  file: string;
  line: number;
  text: string;
  /** The command name (`history`), or `--version` / `help`. */
  command: string;
  /** The words after the command, brackets of optional parts removed, redirections dropped. */
  args: string[];
}

/**
 * Every `r53-failover …` invocation in the docs' code: `r53-failover`, `npx r53-failover` or `node
 * bin/r53-failover.mjs` at the start of a shell command (after env assignments), with synopsis alternatives (`notify
 * --status | --redrive`, `promote list | show ID`) each checked as their own line of that command. Output quoted in
 * the docs (`r53-failover history: … failed`) and prose are not commands.
 */
export const docCommands = (files: readonly string[] = DOC_FILES): DocCommand[] => {
  const out: DocCommand[] = [];
  for (const file of files)
    for (const code of codeLines(file)) {
      for (const chain of withoutComment(code.text).split(/\s(?:&&|;|\|\|)\s/)) {
        const segments = chain.replace(/\$\(/g, ' ').split(/\s\|\s/);
        let words = shellWords(segments[0]?.replace(/^\s*\$\s+/, '') ?? '');
        while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) words = words.slice(1);
        if (words[0] === 'npx') words = words.slice(1);
        if (words[0] === 'node' && /r53-failover\.mjs$/.test(words[1] ?? '')) words = words.slice(1);
        if (!/^(\S*\/)?r53-failover(\.mjs)?$/.test(words[0] ?? '')) continue;
        const command = words[1];
        if (!command || command.endsWith(':') || ELLIPSIS.test(command) || /^<.*>$/.test(command)) continue;
        const cleanArgs = (ws: string[]) =>
          ws
            .flatMap((w) => w.replace(/[[\]]/g, ' ').split(' '))
            .filter(
              (w, i, all) =>
                w !== '' &&
                // `--since …`: the value of a flag; `check … --json`: more of the same, dropped
                (!ELLIPSIS.test(w) || /^--[^=]+$/.test(all[i - 1] ?? '')) &&
                !/^\d?>/.test(w) &&
                !/^\d?>/.test(all[i - 1] ?? ''),
            );
        out.push({ ...code, command, args: cleanArgs(words.slice(2)) });
        for (const alt of segments.slice(1)) {
          const altWords = shellWords(alt);
          if (PIPE_TARGETS.has(altWords[0] ?? '')) break;
          out.push({ ...code, command, args: cleanArgs(altWords) });
        }
      }
    }
  return out;
};
