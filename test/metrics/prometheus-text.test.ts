import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, renderMetrics } from '../../src/metrics/prometheus-text.js';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.js';
import { parseExposition, valueOf } from './parse-exposition.js';

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE before each family and samples that parse back to the same values', () => {
    const c = new Counter('x_total', 'Things done.\nSecond line with a \\ backslash.');
    const a = c.slot({ kind: 'a' });
    const b = c.slot({ kind: 'b"\\\nq' });
    a.value += 3;
    b.value++;
    const g = new Gauge('x_now', 'Things now.');
    const now = g.slot();
    now.value = -2.5;
    const text = renderMetrics([c, g]);
    expect(text).toContain('# HELP x_total Things done.\\nSecond line with a \\\\ backslash.\n');
    expect(text).toContain('# TYPE x_total counter\n');
    expect(text).toContain('x_total{kind="b\\"\\\\\\nq"} 1\n');
    expect(text).toContain('x_now -2.5\n');
    const parsed = parseExposition(text);
    expect(parsed.get('x_total')).toEqual({
      help: 'Things done.\nSecond line with a \\ backslash.',
      type: 'counter',
      samples: [
        { name: 'x_total', labels: { kind: 'a' }, value: 3 },
        { name: 'x_total', labels: { kind: 'b"\\\nq' }, value: 1 },
      ],
    });
    expect(valueOf(parsed, 'x_now', 'x_now')).toBe(-2.5);
  });

  it('histograms: cumulative buckets ending in +Inf, sum and count', () => {
    const h = new Histogram('wait_seconds', 'Waits.', [1, 5, 10]);
    for (const v of [0.5, 1, 3, 7, 100]) h.observe(v);
    const parsed = parseExposition(renderMetrics([h]));
    const f = parsed.get('wait_seconds')!;
    expect(f.type).toBe('histogram');
    expect(f.samples).toEqual([
      { name: 'wait_seconds_bucket', labels: { le: '1' }, value: 2 },
      { name: 'wait_seconds_bucket', labels: { le: '5' }, value: 3 },
      { name: 'wait_seconds_bucket', labels: { le: '10' }, value: 4 },
      { name: 'wait_seconds_bucket', labels: { le: '+Inf' }, value: 5 },
      { name: 'wait_seconds_sum', labels: {}, value: 111.5 },
      { name: 'wait_seconds_count', labels: {}, value: 5 },
    ]);
  });

  it('refuses bad names, reserved or bad labels, duplicate series and families, unordered buckets', () => {
    expect(() => new Counter('1bad', 'x')).toThrow(/invalid metric name/);
    expect(() => new Gauge('bad-name', 'x')).toThrow(/invalid metric name/);
    const c = new Counter('ok_total', 'x');
    expect(() => c.slot({ 'bad-label': 'v' })).toThrow(/invalid label name/);
    expect(() => c.slot({ __reserved: 'v' })).toThrow(/invalid label name/);
    c.slot({ a: '1' });
    expect(() => c.slot({ a: '1' })).toThrow(/declared twice/);
    expect(() => renderMetrics([c, new Counter('ok_total', 'y')])).toThrow(/registered twice/);
    expect(() => new Histogram('h', 'x', [5, 1])).toThrow(/increase/);
  });

  it("Sluice's metrics: every family parses, and every label combination is there from the start", () => {
    const m = new ProxyMetrics();
    const parsed = parseExposition(m.render());
    expect([...parsed.keys()]).toEqual([
      'sluice_connections',
      'sluice_connections_total',
      'sluice_statements_total',
      'sluice_held_statements',
      'sluice_hold_duration_seconds',
      'sluice_approvals_total',
      'sluice_github_api_errors_total',
      'sluice_classifier_cache_hits_total',
      'sluice_classifier_cache_misses_total',
      'sluice_policy_reloads_total',
      'sluice_cancel_requests_relayed_total',
      'sluice_draining',
    ]);
    // 5 classes x 3 decisions, 4 channels x 4 outcomes, all at zero before anything happens.
    expect(parsed.get('sluice_statements_total')!.samples).toHaveLength(15);
    expect(parsed.get('sluice_approvals_total')!.samples).toHaveLength(16);
    expect(
      valueOf(parsed, 'sluice_statements_total', 'sluice_statements_total', {
        verdict: 'forbidden',
        decision: 'review',
      }),
    ).toBe(0);
    m.githubError(404);
    m.githubError(502);
    m.githubError(undefined);
    m.githubError(undefined);
    m.policyReloaded(true);
    m.policyReloaded(false);
    m.policyReloaded(false);
    const after = parseExposition(m.render());
    const gh = (kind: string) =>
      valueOf(after, 'sluice_github_api_errors_total', 'sluice_github_api_errors_total', { kind });
    expect([gh('client'), gh('server'), gh('network')]).toEqual([1, 1, 2]);
    const reloads = (result: string) =>
      valueOf(after, 'sluice_policy_reloads_total', 'sluice_policy_reloads_total', { result });
    expect([reloads('ok'), reloads('failed')]).toEqual([1, 2]);
  });
});
