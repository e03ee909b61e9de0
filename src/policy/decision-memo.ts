// Remembers policy decisions per session. A decision depends only on the policy snapshot,
// the session's identity (user, database, application_name, address) and the verdict of
// the classification, never on the SQL text or the time; an application runs the same few
// statements over and over, so each (session, verdict) is evaluated once per snapshot.
// A future rule that looks at the text or the clock must become part of the key here.
//
// Only frozen verdicts are remembered (the classifier's cached results are frozen, and a
// frozen verdict cannot change under its key): a classification is remembered by its
// verdict identity (a fresh copy of a cached verdict, made for another text, stands for
// the cached one) and only when that is frozen. Anything else is evaluated each time.
import type { Classification } from '../sql/types.js';
import { verdictIdentity } from '../sql/verdict-identity.js';
import type { Decision, SessionIdentity } from './types.js';

interface SessionMemo {
  snapshot: object;
  user: string;
  database: string;
  applicationName: string;
  clientAddress: string;
  decisions: WeakMap<Classification, Decision>;
}

export class DecisionMemo {
  /** Keyed by the session's own identity object, which lives as long as the session. */
  private readonly sessions = new WeakMap<SessionIdentity, SessionMemo>();

  /** The remembered decision, if any: the hot path, which makes nothing (no closure). */
  lookup(snapshot: object, session: SessionIdentity, c: Classification): Decision | undefined {
    return this.memoFor(snapshot, session).decisions.get(verdictIdentity(c));
  }

  decide(
    snapshot: object,
    session: SessionIdentity,
    c: Classification,
    evaluate: () => Decision,
  ): Decision {
    const key = verdictIdentity(c);
    const memo = this.memoFor(snapshot, session);
    // Only frozen keys are ever stored, and they stay frozen: the hot path (a hit) need
    // not ask (Object.isFrozen is a call into the runtime).
    let d = memo.decisions.get(key);
    if (d) return d;
    if (!Object.isFrozen(key)) return evaluate();
    d = deepFreeze(evaluate());
    memo.decisions.set(key, d);
    return d;
  }

  /** The session's memo, started afresh whenever the snapshot or the identity changed. */
  private memoFor(snapshot: object, s: SessionIdentity): SessionMemo {
    const m = this.sessions.get(s);
    if (
      m &&
      m.snapshot === snapshot &&
      m.user === s.user &&
      m.database === s.database &&
      m.applicationName === s.applicationName &&
      m.clientAddress === s.clientAddress
    ) {
      return m;
    }
    const fresh: SessionMemo = {
      snapshot,
      user: s.user,
      database: s.database,
      applicationName: s.applicationName,
      clientAddress: s.clientAddress,
      decisions: new WeakMap(),
    };
    this.sessions.set(s, fresh);
    return fresh;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
