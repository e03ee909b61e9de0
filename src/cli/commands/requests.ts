// `sluice requests [ID] [--status S] [--json]`: what is held, through the admin API.
import { parseArgs } from 'node:util';
import {
  ADMIN_CLI_HELP,
  ADMIN_CLI_OPTIONS,
  CliUsageError,
  adminCall,
  reportCliError,
  resolveAdminConnection,
} from '../../admin/admin-client.js';
import { formatRequestDetail, formatRequestTable } from '../../admin/format-request.js';
import type { RequestView } from '../../admin/requests-api.js';
import { RequestStatus } from '../../approval/types.js';

const HELP = `Usage: sluice requests [ID] [options]

Lists held requests (pending by default), or shows one request in full.

Options:
  --status S         pending, approved, denied, expired, cancelled, executed, failed or all
  --limit N          at most N requests (default 200)
${ADMIN_CLI_HELP}
`;

const STATUSES = new Set<string>([...Object.values(RequestStatus), 'all']);

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...ADMIN_CLI_OPTIONS,
        status: { type: 'string', default: 'pending' },
        limit: { type: 'string' },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length > 1) throw new CliUsageError('give at most one request id');
    if (!STATUSES.has(values.status))
      throw new CliUsageError(`--status: unknown status '${values.status}'`);
    if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit))
      throw new CliUsageError('--limit: a positive integer');
    const conn = await resolveAdminConnection(values);

    const id = positionals[0];
    if (id !== undefined) {
      const { request } = await adminCall<{ request: RequestView }>(
        conn,
        'GET',
        `/api/requests/${encodeURIComponent(id)}`,
      );
      process.stdout.write(
        (values.json ? JSON.stringify(request, null, 2) : formatRequestDetail(request)) + '\n',
      );
      return 0;
    }
    const query = new URLSearchParams({
      status: values.status,
      ...(values.limit ? { limit: values.limit } : {}),
    });
    const { requests } = await adminCall<{ requests: RequestView[] }>(
      conn,
      'GET',
      `/api/requests?${query}`,
    );
    if (values.json) {
      process.stdout.write(JSON.stringify(requests, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(formatRequestTable(requests) + '\n');
    if (requests.some((r) => r.status === 'pending')) {
      process.stdout.write(
        `\nShow one:  sluice requests <ID>\nApprove:   sluice approve <ID> --reason "..."\nDeny:      sluice deny <ID> --reason "..."\n`,
      );
    }
    return 0;
  } catch (err) {
    return reportCliError('requests', err);
  }
}
