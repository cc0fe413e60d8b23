/**
 * failover.example.yml with one commented block uncommented: the line `  # <key>:` and the deeper commented lines
 * right after it (`  #   …`), each losing its `# `. Other commented blocks stay as they are.
 */
export const uncommentBlock = (text: string, key: string): string => {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  # ${key}:`));
  if (start < 0) throw new Error(`failover.example.yml has no commented block ${key}`);
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (i > start && !line.startsWith('  #   ')) break;
    lines[i] = `  ${line.slice(4)}`;
  }
  return lines.join('\n');
};
