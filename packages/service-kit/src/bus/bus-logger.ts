/**
 * The slice of a pino logger the bus adapters use. Declared here rather than importing pino's type
 * so tests and scripts can pass `console`-like objects, and a pino `Logger` fits without adapters.
 */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Default for callers that pass no logger: the bus stays silent instead of writing to stdout. */
export const silentBusLogger: BusLogger = {
  warn: () => undefined,
  error: () => undefined,
};
