// Checks on the StartupMessage before anything reaches the server. Start-up
// parameters are settings too: `options=-c role=admin` is a SET ROLE in disguise.
import { ProtocolError, SqlState } from '../protocol/protocol-error.js';

/** Settings that change who we are: refused at start-up as SET ROLE is refused later. */
const IDENTITY_SETTINGS = new Set(['role', 'session_authorization']);
/** Settings the classifier must know about because they change how SQL text is read. */
export const PARSER_SETTINGS = [
  'standard_conforming_strings',
  'client_encoding',
  'search_path',
  'backslash_quote',
];

const FALSE_VALUES = new Set(['false', 'off', 'no', '0']);

/** `-c name=value`, `-cname=value` and `--name=value` from the options parameter. */
export function optionSettings(options: string): Map<string, string> {
  const tokens: string[] = [];
  let cur = '';
  let escaped = false;
  for (const ch of options) {
    if (escaped) {
      cur += ch;
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (/\s/.test(ch)) {
      if (cur) tokens.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) tokens.push(cur);
  const out = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    let setting: string | undefined;
    if (t === '-c') setting = tokens[++i];
    else if (t.startsWith('-c')) setting = t.slice(2);
    else if (t.startsWith('--')) setting = t.slice(2);
    if (!setting) continue;
    const eq = setting.indexOf('=');
    if (eq <= 0) continue;
    out.set(setting.slice(0, eq).toLowerCase().replaceAll('-', '_'), setting.slice(eq + 1));
  }
  return out;
}

export interface StartupFacts {
  user: string;
  database: string;
  applicationName: string;
  /** Every setting the start-up packet makes, from parameters and `options`. */
  settings: Map<string, string>;
}

export function checkStartup(params: Map<string, string>): StartupFacts {
  const user = params.get('user');
  if (!user) {
    throw new ProtocolError(
      SqlState.InvalidAuthorization,
      'no PostgreSQL user name specified in startup packet',
    );
  }
  const replication = params.get('replication');
  if (replication !== undefined && !FALSE_VALUES.has(replication.toLowerCase())) {
    throw new ProtocolError(
      SqlState.FeatureNotSupported,
      'Sluice does not proxy replication connections; connect to the server directly for replication',
    );
  }
  const settings = new Map<string, string>();
  for (const [k, v] of params) {
    if (k === 'user' || k === 'database' || k === 'options' || k === 'replication') continue;
    settings.set(k.toLowerCase(), v);
  }
  for (const [k, v] of optionSettings(params.get('options') ?? '')) settings.set(k, v);
  for (const name of settings.keys()) {
    if (IDENTITY_SETTINGS.has(name)) {
      throw new ProtocolError(
        SqlState.InsufficientPrivilege,
        `Sluice refuses the start-up setting "${name}": changing identity is forbidden`,
      );
    }
  }
  return {
    user,
    database: params.get('database') || user,
    applicationName: params.get('application_name') ?? '',
    settings,
  };
}
