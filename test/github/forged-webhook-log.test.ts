// A forged or unsigned webhook is logged in one line: delivery id, event, source address,
// never its body (attacker text). Nothing reaches a handler, GitHub is never called.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, startNock, stopNock, type Harness } from './harness.js';
import { deliver, reviewPayload, sign, SECRET } from './fixtures.js';

let h: Harness;
let lines: Record<string, unknown>[];
let raw: string;
beforeEach(async () => {
  startNock();
  lines = [];
  raw = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw += chunk.toString('utf8');
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  h = await startHarness({ logger: pino({ level: 'trace' }, sink) });
});
afterEach(async () => {
  await h.close();
  stopNock();
});

describe('forged webhooks in the log', () => {
  it('one line each with delivery, event and source; the body is never logged', async () => {
    const payload = reviewPayload({ state: 'approved', login: 'Codertocat' });
    const marker = 'forged-body-marker-7f3a';
    (payload.review as { body: string }).body = marker;
    const forged = await deliver(h.url, 'pull_request_review', payload, {
      id: 'delivery-forged-1',
      secret: 'not-the-secret',
    });
    const unsigned = await deliver(h.url, 'pull_request_review', payload, {
      id: 'delivery-unsigned-2',
      signature: null,
    });
    const tampered = await deliver(h.url, 'pull_request_review', payload, {
      id: 'delivery-tampered-3',
      signature: sign('{"action":"submitted"}', SECRET),
    });
    expect([forged.status, unsigned.status, tampered.status]).toEqual([400, 400, 400]);
    expect(unsigned.text).toMatch(/missing x-hub-signature-256 header/);
    const refused = lines.filter((l) => l.msg === 'webhook refused: missing or wrong signature');
    expect(refused.map((l) => [l.delivery, l.event, l.source, l.signed])).toEqual([
      ['delivery-forged-1', 'pull_request_review', '127.0.0.1', true],
      ['delivery-unsigned-2', 'pull_request_review', '127.0.0.1', false],
      ['delivery-tampered-3', 'pull_request_review', '127.0.0.1', true],
    ]);
    // Nothing else was logged about them (Probot never saw them), and no body text at all.
    expect(lines.filter((l) => JSON.stringify(l).includes('delivery-'))).toHaveLength(3);
    expect(raw).not.toContain(marker);
    expect(raw).not.toContain('Codertocat');
  });
});
