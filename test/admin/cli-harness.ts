// Runs CLI commands in-process and captures what they print.
import { vi } from 'vitest';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  run: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await run(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Environment variables the CLI reads, cleared so the developer's shell cannot leak in. */
export function clearSluiceEnv(): void {
  for (const k of [
    'SLUICE_ADMIN_TOKEN',
    'SLUICE_ADMIN_URL',
    'SLUICE_STATE_DIR',
    'SLUICE_CONTROL_URL',
  ]) {
    vi.stubEnv(k, undefined);
  }
}
