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
  /** Sluice: held statement expired before approval. Class 57 (operator intervention). */
  ApprovalExpired: '57P05',
} as const;
