/**
 * Where the client reports what it ignored or worked around.
 *
 * @module
 */

/**
 * A minimal logger; `console` satisfies it.
 *
 * @category Low level
 */
export interface Logger {
  /** Something ignored or worked around (a malformed stanza, a spoofed answer). */
  debug(message: string, ...details: unknown[]): void;
  /** Something that went wrong in a user handler or on the wire. */
  warn(message: string, ...details: unknown[]): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = {
  debug() {},
  warn() {},
};
