// The per-session classifier as the proxy uses it (implemented by src/sql's
// SessionClassifier). Declared here so the proxy depends on a shape, not on a module.
import type { FunctionCallMessage } from '../sql/function-call-rules.js';
import type { Classification, ClassifierOptions } from '../sql/types.js';

export interface StatementClassifier {
  setOptions(opts: ClassifierOptions): void;
  query(sql: string): Classification;
  /**
   * A Query's verdict from the bytes of its text alone, when it has the shape of a recent
   * one; changes nothing. After deciding on it, queryRepeated() records the Query.
   */
  repeatedQuery(text: Uint8Array, start: number, end: number): Classification | undefined;
  queryRepeated(verdict: Classification): Classification;
  parse(statementName: string, sql: string): Classification;
  bind(portalName: string, statementName: string): void;
  portal(portalName: string): Classification;
  close(kind: 'S' | 'P', name: string): void;
  parameterStatus(name: string, value: string): void;
  /** The FunctionCall message: only large-object reads are not forbidden. */
  functionCall(call: FunctionCallMessage): Classification;
  /**
   * Batch boundaries, so that what a name holds is only taken as settled once the server
   * ran the batch that defined it: the client's Sync, and the server's ReadyForQuery and
   * ErrorResponse (every one, including a refusal's substitute), in stream order.
   */
  sync(): void;
  readyForQuery(): void;
  serverError(): void;
}
