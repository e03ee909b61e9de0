// The admin token: the one credential of the local approval channel. The proxy takes
// SLUICE_ADMIN_TOKEN or generates one, prints it, and writes it to <state>/admin-token
// (mode 0600) so `sluice approve` run from the same folder finds it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_STATE_DIR = '.sluice';

export function adminTokenPath(stateDir: string = DEFAULT_STATE_DIR): string {
  return path.join(stateDir, 'admin-token');
}

/** 32 random bytes, base64url: 43 characters, safe in a header and a shell. */
export function generateAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The token in <stateDir>/admin-token, or undefined when there is none. */
export async function readAdminToken(
  stateDir: string = DEFAULT_STATE_DIR,
): Promise<string | undefined> {
  try {
    const token = (await readFile(adminTokenPath(stateDir), 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeAdminToken(stateDir: string, token: string): Promise<string> {
  const file = adminTokenPath(stateDir);
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, token + '\n', { mode: 0o600 });
  // writeFile's mode applies only to new files: tighten an existing one too.
  await chmod(file, 0o600);
  return file;
}

/** SLUICE_ADMIN_TOKEN when set, else a fresh one (`generated: true`: print it). */
export function resolveAdminToken(env: NodeJS.ProcessEnv = process.env): {
  token: string;
  generated: boolean;
} {
  const fromEnv = env.SLUICE_ADMIN_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, generated: false };
  return { token: generateAdminToken(), generated: true };
}

/** Constant-time comparison: hashing first makes the lengths equal too. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Where `sluice proxy` notes the control database it made for itself (embedded mode). */
export const CONTROL_URL_FILE = 'control-url';
