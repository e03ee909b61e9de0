// Message type bytes of the PostgreSQL v3 protocol, and the untyped start-up codes.

/** Typed messages a client (frontend) sends. */
export const FrontendCode = {
  Bind: 0x42, // B
  Close: 0x43, // C
  Describe: 0x44, // D
  Execute: 0x45, // E
  FunctionCall: 0x46, // F
  Flush: 0x48, // H
  Parse: 0x50, // P
  Query: 0x51, // Q
  Sync: 0x53, // S
  Terminate: 0x58, // X
  CopyDone: 0x63, // c
  CopyData: 0x64, // d
  CopyFail: 0x66, // f
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share 'p'. */
  Password: 0x70, // p
} as const;
export type FrontendCode = (typeof FrontendCode)[keyof typeof FrontendCode];

/** 1 at each frontend code: a table lookup per message, not a Set's hash lookup. */
const FRONTEND_CODES = new Uint8Array(256);
for (const c of Object.values(FrontendCode)) FRONTEND_CODES[c] = 1;
export function isFrontendCode(code: number): code is FrontendCode {
  return code >= 0 && code <= 0xff && FRONTEND_CODES[code] === 1;
}

/** Typed messages a server (backend) sends. */
export const BackendCode = {
  ParseComplete: 0x31, // 1
  BindComplete: 0x32, // 2
  CloseComplete: 0x33, // 3
  NotificationResponse: 0x41, // A
  CommandComplete: 0x43, // C
  DataRow: 0x44, // D
  ErrorResponse: 0x45, // E
  CopyInResponse: 0x47, // G
  CopyOutResponse: 0x48, // H
  EmptyQueryResponse: 0x49, // I
  BackendKeyData: 0x4b, // K
  NoticeResponse: 0x4e, // N
  Authentication: 0x52, // R
  ParameterStatus: 0x53, // S
  RowDescription: 0x54, // T
  FunctionCallResponse: 0x56, // V
  CopyBothResponse: 0x57, // W
  ReadyForQuery: 0x5a, // Z
  CopyDone: 0x63, // c
  CopyData: 0x64, // d
  NoData: 0x6e, // n
  PortalSuspended: 0x73, // s
  ParameterDescription: 0x74, // t
  NegotiateProtocolVersion: 0x76, // v
} as const;
export type BackendCode = (typeof BackendCode)[keyof typeof BackendCode];

/** Codes in the first (untyped) message of a connection: int32 length, int32 code. */
export const StartupCode = {
  CancelRequest: 80877102, // 1234.5678
  SSLRequest: 80877103, // 1234.5679
  GSSENCRequest: 80877104, // 1234.5680
} as const;

/** Protocol versions a StartupMessage may carry (major << 16 | minor). */
export const ProtocolVersion = {
  V3_0: 0x0003_0000,
  V3_2: 0x0003_0002,
} as const;

/** Transaction status in ReadyForQuery. */
export const TxStatus = {
  Idle: 0x49, // I
  InTransaction: 0x54, // T
  Failed: 0x45, // E
} as const;

/** Sizes, named so the framing arithmetic reads as what it is. */
export const CODE_LENGTH = 1;
export const LENGTH_LENGTH = 4;
export const HEADER_LENGTH = CODE_LENGTH + LENGTH_LENGTH;
/** Startup packets are small; PostgreSQL itself caps them at 10000 bytes. */
export const MAX_STARTUP_LENGTH = 10_000;
/** PostgreSQL's own limit for a single message (PQ_LARGE_MESSAGE_LIMIT is 1 GB - 1). */
export const DEFAULT_MAX_MESSAGE_LENGTH = 0x3fff_ffff;
/** CancelRequest: length, code, pid, then a key of 4 bytes (3.0) or up to 256 (3.2). */
export const CANCEL_FIXED_LENGTH = 12;
export const MAX_CANCEL_KEY_LENGTH = 256;
