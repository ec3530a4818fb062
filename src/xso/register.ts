/**
 * XEP-0077 (In-Band Registration) `<query xmlns='jabber:iq:register'>`, as
 * XEP-0045 §7.10 uses it to register with a room and a gateway uses it to
 * register its users: the instructions, whether the entity is registered
 * already and under which name, the registration data form, and the
 * `<remove/>` that cancels a registration.
 *
 * @module
 */
import { child, childText, element, flag, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_REGISTER } from "./ns.js";

/**
 * `<query xmlns='jabber:iq:register'>`: a registration request, form or answer (XEP-0077 §3).
 *
 * @category Multi-User Chat
 */
export const registerQuery = element("query", NS_REGISTER, {
  /** How to fill in the form (`<instructions/>`). */
  instructions: childText("instructions"),
  /** The asker is registered already (`<registered/>`). */
  registered: flag("registered"),
  /** The registered name; in a room, the reserved nick (`<username/>`). */
  username: childText("username"),
  /** A password (`<password/>`). */
  password: childText("password"),
  /** Cancel the registration (`<remove/>`). */
  remove: flag("remove"),
  /** The registration data form (`<x xmlns='jabber:x:data'>`). */
  form: child(dataForm),
});
/**
 * Decoded `<query xmlns='jabber:iq:register'>`.
 *
 * @category Multi-User Chat
 */
export type RegisterQuery = Infer<typeof registerQuery>;
/**
 * `<query xmlns='jabber:iq:register'>` as accepted by `registerQuery.encode`.
 *
 * @category Multi-User Chat
 */
export type RegisterQueryInput = Input<typeof registerQuery>;
