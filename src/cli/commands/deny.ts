// `sluice deny ID --reason R [--as LOGIN]`: refuses a held request; the client gets 42501.
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

const HELP = `Usage: sluice deny ID --reason R [options]

Denies a held request. The client receives an error (SQLSTATE 42501) naming you and
the reason; its connection stays usable.

Options:
  --reason R         why (required; shown to the client and recorded)
  --as LOGIN         the denier to record (default: your OS user name)
${ADMIN_CLI_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...ADMIN_CLI_OPTIONS, reason: { type: 'string' }, as: { type: 'string' } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1)
      throw new CliUsageError('give exactly one request id (see `sluice requests`)');
    if (!values.reason?.trim())
      throw new CliUsageError('--reason is required: the client is told why');
    const id = positionals[0]!;
    const conn = await resolveAdminConnection(values);
    const by = values.as ?? userInfo().username;
    const result = await adminCall<{ request: RequestView }>(
      conn,
      'POST',
      `/api/requests/${encodeURIComponent(id)}/deny`,
      {
        by,
        reason: values.reason,
      },
    );
    process.stdout.write(
      values.json ? JSON.stringify(result, null, 2) + '\n' : `${id} denied by ${by}\n`,
    );
    return 0;
  } catch (err) {
    return reportCliError('deny', err);
  }
}
