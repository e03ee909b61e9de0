// The policy file format (docs/policy.md), validated once at load with zod. Every object is
// strict: an unknown key is an error that lists the keys that are allowed. Globs, CIDRs and
// durations are compiled here, so a bad one is reported at its own line and column.
import { z } from 'zod';
import { Flag, Risk } from '../sql/types.js';
import { isValidOwner } from './codeowners.js';
import {
  bool,
  cidr,
  duration,
  enumOf,
  nameGlob,
  obj,
  oneOrMany,
  tableGlob,
} from './schema-values.js';

export const scopeSchema = obj(
  {
    database: oneOrMany(nameGlob, 'a database name or glob').optional(),
    user: oneOrMany(nameGlob, 'a role name or glob').optional(),
    application: oneOrMany(nameGlob, 'an application_name or glob').optional(),
    address: oneOrMany(cidr, 'a client address CIDR').optional(),
  },
  'scope',
);

const classValue = enumOf(['read', 'session', 'write'], 'a statement class', (v) =>
  v === 'forbidden' || v === 'invalid'
    ? `${v} statements are always denied before any rule is consulted; a rule cannot match them`
    : undefined,
);
const kindValue = z
  .string({ error: 'expected a statement kind such as InsertStmt (a string)' })
  .regex(
    /^[A-Z][A-Za-z]*Stmt$/,
    'expected a statement kind: a PostgreSQL parse node name such as InsertStmt, DeleteStmt, CreateStmt',
  );
const riskValue = enumOf(Object.values(Risk) as [Risk, ...Risk[]], 'a risk level');
const flagValue = enumOf(Object.values(Flag) as [Flag, ...Flag[]], 'a statement flag');

const count = z
  .number({ error: 'expected a whole number' })
  .int('expected a whole number')
  .min(1, 'expected at least 1');

export const matchSchema = obj(
  {
    class: oneOrMany(classValue, 'a statement class').optional(),
    kind: oneOrMany(kindValue, 'a statement kind').optional(),
    risk: oneOrMany(riskValue, 'a risk level').optional(),
    flags: oneOrMany(flagValue, 'a flag').optional(),
    without_flags: oneOrMany(flagValue, 'a flag').optional(),
    tables: oneOrMany(tableGlob, 'a table glob').optional(),
    any_table: oneOrMany(tableGlob, 'a table glob').optional(),
    schemas: oneOrMany(nameGlob, 'a schema glob').optional(),
    any_schema: oneOrMany(nameGlob, 'a schema glob').optional(),
    statements: obj({ min: count.optional(), max: count.optional() }, 'statements')
      .refine(
        (s) => s.min === undefined || s.max === undefined || s.min <= s.max,
        'min is larger than max: this range matches no query',
      )
      .optional(),
  },
  'match',
);

const principal = z
  .string({ error: 'expected an owner: @user, @org/team or an email address' })
  .refine(isValidOwner, {
    error: (iss) =>
      `invalid owner ${JSON.stringify(iss.input)}: expected @user, @org/team or an email address`,
  });
const principals = z
  .array(principal, { error: 'expected a list of owners (@user, @org/team or email)' })
  .min(1, 'expected at least one owner');
const group = z.preprocess(
  (v) => (Array.isArray(v) ? { any_of: v } : v),
  obj({ any_of: principals }, 'an owner group'),
);

const ownersSchema = z.preprocess(
  (v) => (v === 'codeowners' ? { codeowners: true } : v),
  obj(
    {
      codeowners: bool('whether the CODEOWNERS of the written tables must approve'),
      any_of: principals.optional(),
      all_of: z
        .array(group, { error: 'expected a list of owner groups' })
        .min(1, 'expected at least one group')
        .optional(),
    },
    'owners ("codeowners", or codeowners/any_of/all_of)',
  ).refine(
    (o) => o.codeowners || o.any_of || o.all_of,
    'these owners name nobody: set codeowners: true or list any_of/all_of',
  ),
);

const githubLogin = z
  .string({ error: 'expected a GitHub login (a string)' })
  .regex(/^@?[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'expected a GitHub login such as octocat')
  .transform((s) => s.replace(/^@/, ''));

const slackWebhook = z
  .string({ error: 'expected a Slack webhook: an https:// URL or env:NAME' })
  .refine(
    (s) => /^https:\/\/[^\s]+$/.test(s) || /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(s),
    'expected a Slack webhook: an https:// URL or env:NAME',
  );

const tierShape = {
  approvals: count.max(100, 'expected at most 100').optional(),
  owners: ownersSchema.optional(),
  allow_self_approval: bool('whether the requester may approve their own statement').optional(),
  timeout: duration.optional(),
  require_justification: bool('whether a justification is required').optional(),
  in_transaction: enumOf(
    ['hold', 'deny'],
    'what to do with a statement inside an open transaction',
  ).optional(),
  channel: enumOf(['pull_request', 'issue', 'comment'], 'a GitHub channel').optional(),
  slack_webhook: slackWebhook.optional(),
};
export const reviewSchema = obj(tierShape, 'review');
const { channel: settingsChannel, ...settingsTierShape } = tierShape;
void settingsChannel;
// The global default channel is settings.github.channel: one place, not two.
const settingsReviewSchema = obj(
  settingsTierShape,
  'settings.review (the channel is set in settings.github)',
);

const safeFunction = z
  .string({ error: 'expected a function name (a string)' })
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]*(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|\*))?$/,
    'expected a function name: fn, schema.fn or schema.*',
  );

export const settingsSchema = obj(
  {
    github: obj(
      {
        repository: z
          .string({ error: 'expected owner/name (a string)' })
          .regex(
            /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
            'expected the approvals repository as owner/name',
          )
          .optional(),
        base_branch: z
          .string({ error: 'expected a branch name' })
          .min(1, 'expected a branch name')
          .optional(),
        channel: enumOf(['pull_request', 'issue', 'comment'], 'a GitHub channel').optional(),
      },
      'settings.github',
    ).optional(),
    identities: z
      .record(z.string().min(1, 'expected a PostgreSQL role name'), githubLogin, {
        error: 'expected a mapping of PostgreSQL role to GitHub login',
      })
      .optional(),
    classifier: obj(
      {
        safe_functions: z
          .array(safeFunction, { error: 'expected a list of function names' })
          .optional(),
        locking_clause_is_write: bool(
          'whether SELECT ... FOR UPDATE/SHARE counts as a write',
        ).optional(),
        force_read_only: bool('whether sessions may never switch to read-write').optional(),
      },
      'settings.classifier',
    ).optional(),
    review: settingsReviewSchema.optional(),
    redact_params: bool('whether bound parameters are redacted by default').optional(),
    redact_tables: oneOrMany(tableGlob, 'a table glob').optional(),
  },
  'settings',
);

const ruleName = z
  .string({ error: 'expected a rule name (a string)' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'expected a rule name of letters, digits, "_", "." and "-"',
  );

const ruleCommon = {
  name: ruleName,
  scope: scopeSchema.optional(),
  match: matchSchema,
  redact_params: bool('whether bound parameters are redacted').optional(),
};

export const ruleSchema = z.discriminatedUnion(
  'action',
  [
    obj({ ...ruleCommon, action: z.literal('allow') }, 'an allow rule'),
    obj(
      {
        ...ruleCommon,
        action: z.literal('deny'),
        message: z.string({ error: 'expected a message for the client' }).min(1).optional(),
      },
      'a deny rule',
    ),
    obj(
      { ...ruleCommon, action: z.literal('review'), review: reviewSchema.optional() },
      'a review rule',
    ),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'expected action: allow, review or deny' : undefined,
  },
);

export const policyFileSchema = obj(
  {
    version: z.literal(1, { error: 'expected version: 1' }).optional(),
    scope: scopeSchema.optional(),
    redact_params: bool('whether bound parameters are redacted for this file').optional(),
    review: reviewSchema.optional(),
    settings: settingsSchema.optional(),
    rules: z.array(ruleSchema, { error: 'expected a list of rules' }).optional(),
  },
  'a policy file',
).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.rules?.forEach((r, i) => {
    if (seen.has(r.name))
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'name'],
        message: `duplicate rule name ${JSON.stringify(r.name)} in this file`,
      });
    seen.add(r.name);
  });
});

export type PolicyFileInput = z.output<typeof policyFileSchema>;
export type RuleInput = z.output<typeof ruleSchema>;
export type ReviewInput = z.output<typeof reviewSchema>;
export type ScopeInput = z.output<typeof scopeSchema>;
export type MatchInput = z.output<typeof matchSchema>;
export type SettingsInput = z.output<typeof settingsSchema>;
