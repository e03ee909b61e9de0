// A client-caused protocol violation. Carries the SQLSTATE the client is told,
// matching what PostgreSQL itself reports for the same mistake.
export class ProtocolError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export const SqlState = {
  ProtocolViolation: '08P01',
  FeatureNotSupported: '0A000',
  InsufficientPrivilege: '42501',
  SyntaxError: '42601',
  QueryCanceled: '57014',
  InvalidAuthorization: '28000',
  ConnectionFailure: '08006',
  CannotConnectNow: '57P03',
  AdminShutdown: '57P01',
  ProgramLimitExceeded: '54000',
  /**
   * Sluice: a held statement expired before it was approved. Class 57 is "operator
   * intervention"; subclasses starting with S are implementation-defined (SQL standard),
   * and PostgreSQL uses none of them.
   */
  ApprovalExpired: '57S01',
  /** Sluice: the approval channel (GitHub) could not be reached before the request timed out. */
  ApprovalUnreachable: '57S02',
  InternalError: 'XX000',
} as const;
