// The command table. Each name maps to ./commands/<name>.ts exporting `run(argv): Promise<number>`.
export const COMMANDS = [
  { name: 'proxy', summary: 'Run the proxy (embedded PostgreSQL when no --upstream is given)' },
  { name: 'classify', summary: 'Classify SQL: read, write, session, forbidden or invalid' },
  { name: 'check', summary: 'Validate policies and CODEOWNERS; show decisions for SQL files' },
  { name: 'explain', summary: 'Show the decision for SQL in a given session' },
  { name: 'requests', summary: 'List held requests (local approval channel)' },
  { name: 'approve', summary: 'Approve a held request' },
  { name: 'deny', summary: 'Deny a held request' },
  { name: 'audit', summary: 'List, show and verify the tamper-evident audit log' },
] as const;

export type CommandName = (typeof COMMANDS)[number]['name'];

export function isCommandName(name: string): name is CommandName {
  return COMMANDS.some((c) => c.name === name);
}
