/**
 * XEP-0356 (Privileged Entity), `urn:xmpp:privilege:2`: the `<privilege/>`
 * element in which a server advertises to a component the permissions it
 * grants (§4.2 roster, §5.2 message, §6 presence, §7 IQ), and in which it
 * forwards the answer to a privileged IQ; and the `<privileged_iq/>` wrapper
 * of an IQ sent on behalf of one of the server's users (§7.2).
 *
 * Prosody's mod_privilege (0.12 era) writes the `<namespace/>` elements of an
 * IQ permission nested in each other rather than side by side;
 * {@link privilegePerm} reads them at any depth.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { attr, child, childScopeOf, element, localName, raw, children, type ElementCodec, type Field, type Infer, type Input } from "./codec.js";
import { NS_CLIENT, NS_FORWARD, NS_PRIVILEGE } from "./ns.js";
import { openEnumeration, string } from "./values.js";

/**
 * The IQ types an IQ permission grants: `get`, `set` or `both`.
 *
 * @category Privileged entity
 */
export const PRIVILEGE_IQ_TYPES = ["get", "set", "both"] as const;
/**
 * An IQ permission type (XEP-0356 §7.1).
 *
 * @category Privileged entity
 */
export type PrivilegeIqType = (typeof PRIVILEGE_IQ_TYPES)[number];

/**
 * The kinds of permission (the `access` attribute of `<perm/>`).
 *
 * @category Privileged entity
 */
export const PRIVILEGE_ACCESSES = ["roster", "message", "presence", "iq"] as const;
/**
 * A kind of permission; unknown ones are kept as strings.
 *
 * @category Privileged entity
 */
export type PrivilegeAccess = (typeof PRIVILEGE_ACCESSES)[number];

/**
 * `<namespace ns type/>` in an IQ `<perm/>`: the IQs whose payload is in `ns`
 * that the entity may send, of type `get`, `set` or `both`.
 *
 * @category Privileged entity
 */
export const privilegeNamespace = element("namespace", NS_PRIVILEGE, {
  /** The payload namespace (`ns` attribute). */
  ns: attr("ns", string, { required: true }),
  /** Which IQ types (`type` attribute): `get`, `set` or `both`; `undefined` (as mod_privilege writes for none) grants nothing. */
  type: attr("type", openEnumeration(PRIVILEGE_IQ_TYPES)),
});
/**
 * Decoded `<namespace/>` of an IQ permission.
 *
 * @category Privileged entity
 */
export type PrivilegeNamespace = Infer<typeof privilegeNamespace>;
/**
 * `<namespace/>` as accepted by `privilegeNamespace.encode`.
 *
 * @category Privileged entity
 */
export type PrivilegeNamespaceInput = Input<typeof privilegeNamespace>;

/**
 * Every `<namespace/>` under the element, at any depth, in document order
 * (mod_privilege nests them); written side by side, as XEP-0356 §7.1 has them.
 */
function nestedNamespaces(): Field<PrivilegeNamespace[], PrivilegeNamespaceInput[] | undefined> {
  const codec = privilegeNamespace;
  return {
    kind: "children",
    meta: { name: codec.name, ns: codec.ns, codec: codec as ElementCodec<unknown, unknown> },
    decode({ el, scope }) {
      const out: PrivilegeNamespace[] = [];
      const walk = (parent: Element, parentScope: string | undefined, depth: number): void => {
        for (const c of parent.children) {
          if (typeof c === "string" || !codec.matches(c, parentScope)) continue;
          out.push(codec.decode(c, parentScope));
          if (depth < 64) walk(c, childScopeOf(c, codec.ns, parentScope), depth + 1);
        }
      };
      walk(el, scope, 0);
      return out;
    },
    encode({ el, ns }, values) {
      if (values) for (const v of values) el.cnode(codec.encode(v, ns));
    },
  };
}

/**
 * `<perm access type/>`: one permission the server grants. `roster` has a
 * type `none`, `get`, `set` or `both`; `message` has `outgoing`; `presence`
 * has `managed_entity` or `roster`; `iq` has no type but `<namespace/>`
 * children.
 *
 * @category Privileged entity
 */
export const privilegePerm = element("perm", NS_PRIVILEGE, {
  /** What the permission is about (`access` attribute). */
  access: attr("access", openEnumeration(PRIVILEGE_ACCESSES), { required: true }),
  /** How much is granted (`type` attribute), for `roster`, `message` and `presence`. */
  type: attr("type"),
  /** The IQ namespaces granted (`<namespace/>` children), for `iq`. */
  namespaces: nestedNamespaces(),
});
/**
 * Decoded `<perm/>`.
 *
 * @category Privileged entity
 */
export type PrivilegePerm = Infer<typeof privilegePerm>;
/**
 * `<perm/>` as accepted by `privilegePerm.encode`.
 *
 * @category Privileged entity
 */
export type PrivilegePermInput = Input<typeof privilegePerm>;

/** Whether a child is an `<iq/>` in `jabber:client` (the namespace a forwarded or wrapped IQ must keep). */
function isClientIq(el: Element, ns: string | undefined): boolean {
  return localName(el) === "iq" && ns === NS_CLIENT;
}

/**
 * `<forwarded xmlns='urn:xmpp:forward:0'>` holding an `<iq xmlns='jabber:client'>`:
 * how the server hands back the answer to a privileged IQ (XEP-0356 §7.2).
 *
 * @category Privileged entity
 */
export const forwardedIq = element("forwarded", NS_FORWARD, {
  /** The forwarded `<iq/>`, kept raw (`undefined` when the `<forwarded/>` holds none). */
  iq: raw(isClientIq, { name: "iq", ns: NS_CLIENT }),
});
/**
 * Decoded `<forwarded/>` of a privileged IQ's answer.
 *
 * @category Privileged entity
 */
export type ForwardedIq = Infer<typeof forwardedIq>;

/**
 * `<privilege xmlns='urn:xmpp:privilege:2'>`: in a message from the server,
 * the permissions it grants (`perms`); in the result of a privileged IQ, the
 * forwarded answer (`forwarded`).
 *
 * @category Privileged entity
 */
export const privilege = element("privilege", NS_PRIVILEGE, {
  /** The permissions granted (`<perm/>` children). */
  perms: children(privilegePerm),
  /** The forwarded answer to a privileged IQ (`<forwarded/>` child). */
  forwarded: child(forwardedIq),
});
/**
 * Decoded `<privilege/>`.
 *
 * @category Privileged entity
 */
export type Privilege = Infer<typeof privilege>;
/**
 * `<privilege/>` as accepted by `privilege.encode`.
 *
 * @category Privileged entity
 */
export type PrivilegeInput = Input<typeof privilege>;

/**
 * `<privileged_iq xmlns='urn:xmpp:privilege:2'>`: the payload of an IQ a
 * privileged entity sends to a user's bare JID, wrapping the IQ to send on
 * that user's behalf (XEP-0356 §7.2). The wrapped `<iq/>` has the
 * `jabber:client` namespace, the outer IQ's type, an `id`, and no `from`
 * other than the user's bare JID.
 *
 * @category Privileged entity
 */
export const privilegedIq = element("privileged_iq", NS_PRIVILEGE, {
  /** The wrapped `<iq xmlns='jabber:client'>`, kept raw. */
  iq: raw(isClientIq, { name: "iq", ns: NS_CLIENT }),
});
/**
 * Decoded `<privileged_iq/>`.
 *
 * @category Privileged entity
 */
export type PrivilegedIq = Infer<typeof privilegedIq>;
