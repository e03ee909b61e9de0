// `sluice approve ID [--reason R] [--as LOGIN] [--hash H]`: a local approval vote.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  ADMIN_CLI_HELP,
  ADMIN_CLI_OPTIONS,
  CliUsageError,
  adminCall,
  reportCliError,
  resolveAdminConnection,
} from '../../admin/admin-client.js';
import type { RequestView } from '../../admin/requests-api.js';

const HELP = `Usage: sluice approve ID [options]

Approves a held request. The statement runs once the request's tier is met.

Options:
  --reason R         why (recorded in the audit log)
  --as LOGIN         the approver to record (default: your OS user name)
  --hash H           only approve if the request holds exactly this statement
                     (its binding hash, from \`sluice requests ID\`)
${ADMIN_CLI_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...ADMIN_CLI_OPTIONS,
        reason: { type: 'string' },
        as: { type: 'string' },
        hash: { type: 'string' },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1)
      throw new CliUsageError('give exactly one request id (see `sluice requests`)');
    const id = positionals[0]!;
    const conn = await resolveAdminConnection(values);
    const body = {
      by: values.as ?? userInfo().username,
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
      ...(values.hash !== undefined ? { bindingHash: values.hash.toLowerCase() } : {}),
    };
    const result = await adminCall<{ released: boolean; request: RequestView }>(
      conn,
      'POST',
      `/api/requests/${encodeURIComponent(id)}/approve`,
      body,
    );
    if (values.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else if (result.released) {
      process.stdout.write(`${id} approved by ${body.by}: the statement is released\n`);
    } else {
      const missing = result.request.missing ?? [];
      process.stdout.write(
        `${id}: approval by ${body.by} recorded; still needs ${missing.length ? missing.join('; ') : 'nothing (already approved)'}\n`,
      );
    }
    return 0;
  } catch (err) {
    return reportCliError('approve', err);
  }
}
