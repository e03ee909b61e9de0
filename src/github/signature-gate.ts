// In front of Probot's webhook middleware: a delivery whose X-Hub-Signature-256 is missing
// or wrong is refused here, and logged in one line (delivery id, event, source address).
// Probot would log the whole rejected event, body included; a forged body is attacker text
// and has no place in our logs. Genuine deliveries are passed on with the body already read.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../util/log.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY = 25 * 1024 * 1024;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v.slice(0, 100) : undefined;
}

function signedBy(secret: string, body: Buffer, signature: string | undefined): boolean {
  if (!signature?.startsWith('sha256=')) return false;
  const expected = Buffer.from(
    'sha256=' + createHmac('sha256', secret).update(body).digest('hex'),
    'utf8',
  );
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function signatureGate(secret: string, logger: Logger, next: NodeHandler): NodeHandler {
  return async (req, res) => {
    if (req.method !== 'POST') return next(req, res);
    const body = await readBody(req).catch(() => undefined);
    const signature = header(req, 'x-hub-signature-256');
    if (!body || !signedBy(secret, body, signature)) {
      logger.warn(
        {
          delivery: header(req, 'x-github-delivery') ?? null,
          event: header(req, 'x-github-event') ?? null,
          source: req.socket.remoteAddress ?? null,
          signed: signature !== undefined,
        },
        'webhook refused: missing or wrong signature',
      );
      res.writeHead(400, { 'content-type': 'application/json' });
      const error =
        signature === undefined
          ? 'missing x-hub-signature-256 header'
          : 'signature does not match event payload and secret';
      res.end(JSON.stringify({ error }));
      return;
    }
    // @octokit/webhooks takes a string `body` as the payload instead of reading the stream.
    (req as IncomingMessage & { body?: string }).body = body.toString('utf8');
    return next(req, res);
  };
}
