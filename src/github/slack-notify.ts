// Optional Slack incoming-webhook notifications: the request with its link, later the
// outcome. Best effort: a Slack failure is logged and never affects the approval.
import type { ApprovalRequest } from '../approval/types.js';
import type { Logger } from '../util/log.js';
import { oneLine } from './request-file.js';

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
function escapeSlack(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function slackRequestText(request: ApprovalRequest, url: string | undefined): string {
  const tables = request.paths.map((p) => p.path).join(', ') || request.session.database;
  const link = url ? `<${url}|review it on GitHub>` : 'no GitHub link (could not open)';
  return (
    `Sluice: ${escapeSlack(request.session.requester ?? request.session.user)} wants to run a write on ` +
    `${escapeSlack(tables)}: \`${escapeSlack(clip(request.sql))}\`. ${link} (expires ${request.expiresAt}).`
  );
}

export function slackOutcomeText(request: ApprovalRequest, url: string | undefined): string {
  const r = request.resolution;
  const o = request.outcome;
  let what: string;
  if (o) {
    what = o.ok
      ? `executed: ${escapeSlack(o.commandTag ?? 'ok')}${o.rows !== undefined ? `, ${o.rows} rows` : ''} in ${o.durationMs} ms`
      : `failed: ${escapeSlack(o.error ? `${o.error.code} ${o.error.message}` : 'error')}`;
  } else {
    const by = request.status === 'denied' && r?.by ? ` by ${escapeSlack(r.by)}` : '';
    what = `${request.status}${by}${r?.reason ? `: ${escapeSlack(r.reason)}` : ''}`;
  }
  return `Sluice request ${request.id} ${what}.${url ? ` <${url}|GitHub>` : ''}`;
}

export async function notifySlack(
  webhookUrl: string,
  text: string,
  logger: Logger,
): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(webhookUrl);
  } catch {
    logger.warn('Slack webhook URL is not a URL; notification skipped');
    return false;
  }
  if (target.protocol !== 'https:') {
    logger.warn('Slack webhook URL must be https; notification skipped');
    return false;
  }
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) logger.warn({ status: res.status }, 'Slack notification refused');
    return res.ok;
  } catch (err) {
    // Never log the URL: it is a credential.
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'Slack notification failed',
    );
    return false;
  }
}
