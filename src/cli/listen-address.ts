/** `host:port`, `:port` or `port` → {host, port}. */
export function parseListen(
  value: string,
  defaultHost = '127.0.0.1',
): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`invalid listen address '${value}' (expected host:port)`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`invalid port in '${value}'`);
  return { host: m[1] || defaultHost, port };
}
