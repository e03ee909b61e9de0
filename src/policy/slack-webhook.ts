// A tier's Slack webhook is an https URL or `env:NAME`, so that the secret URL can stay out
// of the policy repository. Resolved when a notification is sent, not at load, so that
// `sluice check` in CI does not need the secret.

/** The webhook URL to post to, or undefined when unset or the variable is empty. */
export function resolveSlackWebhook(
  value: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!value) return undefined;
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (!m) return value;
  const url = env[m[1]!];
  return url && /^https:\/\//.test(url) ? url : undefined;
}
