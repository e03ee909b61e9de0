#!/usr/bin/env node
// `sluice <command>`: each command lives in ./commands/<name>.ts and exports `run(argv)`,
// loaded on demand so `sluice classify` never pays for probot or the proxy.
import { COMMANDS, isCommandName } from './commands.js';

export const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: sluice <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `sluice <command> --help` for a command’s options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  if (!isCommandName(name)) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const mod = (await import(`./commands/${name}.js`)) as {
    run(argv: string[]): Promise<number>;
  };
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (proxy) never resolve until shutdown; others exit here.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
