// What the gatekeeper asks of the database's catalog (implemented per database by
// src/catalog's CatalogRegistry). Declared here so the proxy depends on a shape.
import type { Classification, ClassifierOptions } from '../sql/types.js';

/** One database's catalog for one session, judging with the session's classifier options. */
export type CatalogFor = (database: string, opts: ClassifierOptions) => CatalogCheck;

export interface CatalogCheck {
  /**
   * The verdict with the catalog applied: `c` itself when the catalog changes nothing (the
   * common case, no allocation), a new Classification otherwise, or a promise when the
   * snapshot is being (re)loaded and the statement must wait for it (bounded; it then
   * settles on the stricter static verdict). Never rejects.
   */
  judge(c: Classification): Classification | Promise<Classification>;
  /**
   * The verdict for a session that sees objects no snapshot can (its catalog change in a
   * transaction still open or in flight, or its temporary views, types and functions): a
   * statement naming anything a user could define is at least a write.
   */
  judgeUnseen(c: Classification): Classification;
  /** Whether a statement, once run, may have created objects only its session sees (pg_temp). */
  sessionObjects(c: Classification): boolean;
  /** Whether a statement, once run, may have changed the catalog (DDL, DO, CALL, …). */
  mayChange(c: Classification): boolean;
  /**
   * A statement that may have changed the catalog has finished and its transaction
   * ended: the snapshot is stale until reloaded.
   */
  changed(): void;
}
