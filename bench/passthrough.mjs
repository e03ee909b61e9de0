// The wire layer alone: Sluice's session, framer and scanner with no policy (so no
// classification), for `npm run bench` (which builds dist/ first). Not a mode the CLI
// offers: a deployed Sluice always classifies.
import { startProxy } from '../dist/src/proxy/server.js';

await startProxy({
  listenHost: '127.0.0.1',
  listenPort: Number(process.env.LISTEN_PORT),
  upstream: process.env.UPSTREAM ?? '',
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
