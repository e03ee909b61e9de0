import { describe, expect, it } from 'vitest';
import { mergeMetrics } from '../../src/metrics/merge-metrics.js';
import { Counter, renderMetrics } from '../../src/metrics/prometheus-text.js';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.js';
import { parseExposition, valueOf } from './parse-exposition.js';

describe('merging the metrics of several workers into one scrape', () => {
  it('sums counters, gauges and histograms series by series; the draining flag takes the max', () => {
    const [primary, w0, w1] = [new ProxyMetrics(), new ProxyMetrics(), new ProxyMetrics()];
    w0.connections.value = 3;
    w1.connections.value = 4;
    w0.statements.read.allow.value = 100;
    w1.statements.read.allow.value = 50;
    w1.statements.write.review.value = 2;
    w0.holdDuration.observe(2);
    w1.holdDuration.observe(2);
    w1.holdDuration.observe(4000);
    primary.githubError(502);
    w0.draining.value = 1;
    w1.draining.value = 1;
    primary.draining.value = 1;
    const merged = parseExposition(mergeMetrics([primary, w0, w1].map((m) => m.render())));
    // Same families, in the same order, as one process would print.
    expect([...merged.keys()]).toEqual([...parseExposition(primary.render()).keys()]);
    expect(valueOf(merged, 'sluice_connections', 'sluice_connections', {})).toBe(7);
    const stmt = (verdict: string, decision: string) =>
      valueOf(merged, 'sluice_statements_total', 'sluice_statements_total', { verdict, decision });
    expect(stmt('read', 'allow')).toBe(150);
    expect(stmt('write', 'review')).toBe(2);
    const hold = 'sluice_hold_duration_seconds';
    expect(valueOf(merged, hold, `${hold}_count`, {})).toBe(3);
    expect(valueOf(merged, hold, `${hold}_sum`, {})).toBe(4004);
    expect(valueOf(merged, hold, `${hold}_bucket`, { le: '5' })).toBe(2);
    expect(valueOf(merged, hold, `${hold}_bucket`, { le: '+Inf' })).toBe(3);
    expect(
      valueOf(merged, 'sluice_github_api_errors_total', 'sluice_github_api_errors_total', {
        kind: 'server',
      }),
    ).toBe(1);
    expect(valueOf(merged, 'sluice_draining', 'sluice_draining', {})).toBe(1);
  });

  it('keeps label values with spaces and quotes intact', () => {
    const texts = [1, 2].map((n) => {
      const c = new Counter('odd_total', 'Odd labels.');
      c.slot({ what: 'a b "c" d' }).value = n;
      return renderMetrics([c]);
    });
    const merged = parseExposition(mergeMetrics(texts));
    expect(valueOf(merged, 'odd_total', 'odd_total', { what: 'a b "c" d' })).toBe(3);
  });
});
