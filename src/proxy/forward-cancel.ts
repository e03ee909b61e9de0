// A CancelRequest goes to the server on a fresh connection, as libpq would send it.
import { connectUpstream, type UpstreamConfig } from './upstream.js';

export async function forwardCancel(upstream: UpstreamConfig, raw: Buffer): Promise<void> {
  const sock = await connectUpstream(upstream);
  await new Promise<void>((resolve) => {
    sock.on('error', () => resolve());
    sock.on('close', () => resolve());
    sock.end(raw);
    sock.resume();
  });
}
