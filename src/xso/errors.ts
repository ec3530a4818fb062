/**
 * Errors raised by the codecs.
 *
 * @module
 */

/**
 * @internal The options argument of `Error` for a `cause`: none when `cause`
 * is `undefined`, so that the error then has no `cause` property.
 */
export function causeOption(cause: unknown): ErrorOptions | undefined {
  return cause === undefined ? undefined : { cause };
}

/**
 * @internal Whether `e` is an object named `name`: how the `isXxxError`
 * checks recognise an error from another realm, where `instanceof` fails.
 */
export function hasErrorName(e: unknown, name: string): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === name;
}

/**
 * Options of {@link DecodeError}.
 *
 * @category Errors
 */
export interface DecodeErrorOptions {
  /** Local name of the element that failed to decode. */
  readonly element: string;
  /** Its namespace. */
  readonly ns: string;
  /** Dotted path of the failing field from that element (`actor.jid`), if a field failed. */
  readonly field?: string | undefined;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * A malformed element: a required part is missing or a value is invalid.
 *
 * The only error a codec's `decode` throws.
 *
 * @example
 * ```ts
 * try { mucUserX.decode(el) } catch (e) { if (isDecodeError(e)) log.debug(e.element, e.field) }
 * ```
 *
 * @category Errors
 */
export class DecodeError extends Error {
  /** Always `"DecodeError"`. */
  override readonly name = "DecodeError" as const;
  // The fields below are set by the constructor: `declare` spares class
  // fields that would define them as undefined first.
  /** Local name of the element that failed to decode. */
  declare readonly element: string;
  /** Its namespace. */
  declare readonly ns: string;
  /** Dotted path of the failing field (`actor.jid`), or `undefined` when the element itself is wrong. */
  declare readonly field: string | undefined;

  /**
   * @param message - what is wrong, naming element and field.
   * @param options - where it went wrong.
   */
  constructor(message: string, options: DecodeErrorOptions) {
    super(message, causeOption(options.cause));
    this.element = options.element;
    this.ns = options.ns;
    this.field = options.field;
  }
}

/**
 * Whether `e` is a {@link DecodeError}, also across realms (iframes, workers,
 * duplicated package copies) where `instanceof` fails.
 *
 * @category Errors
 */
export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof DecodeError || (hasErrorName(e, "DecodeError") && typeof (e as { element?: unknown }).element === "string");
}

/**
 * A value that does not parse as its type (`role='king'`, `maxstanzas='x'`).
 * Codecs wrap it into a {@link DecodeError} naming the element and field.
 *
 * @category Errors
 */
export class ValueError extends Error {
  /** Always `"ValueError"`. */
  override readonly name = "ValueError" as const;
}

/**
 * Whether `e` is a {@link ValueError}, also across realms.
 *
 * @category Errors
 */
export function isValueError(e: unknown): e is ValueError {
  return e instanceof ValueError || hasErrorName(e, "ValueError");
}
