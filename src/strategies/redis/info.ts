/** `# Server\r\nredis_version:7.2.4\r\n…` → `{ redis_version: '7.2.4', … }`. Pure. */
export function parseRedisInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) info[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return info;
}
