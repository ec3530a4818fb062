/**
 * Shared XML codecs: one declaration per element, used to decode and encode.
 *
 * Each codec ({@link ElementCodec}) decodes an ltx `Element`, as
 * `@xmpp/client` delivers it, into a typed value and encodes such a value
 * back; the client and the gateway speak the protocol through these same
 * declarations. The reference below is grouped by the protocol each codec
 * belongs to: the machinery to write codecs first, then the namespaces, then
 * the stanzas by specification (RFC 6120/6121, then the XEPs in number
 * order), then the errors.
 *
 * @categoryDescription Codec machinery
 * {@link element} declares a codec from fields ({@link attr},
 * {@link childText}, {@link child}, {@link children}, …) and value types
 * ({@link string}, {@link integer}, {@link jidValue}, {@link dateTime}, …);
 * {@link Infer} and {@link Input} give its types. {@link parseElement} turns
 * XML text into an element.
 *
 * ```ts
 * import { element, attr, childText, jidValue, parseElement, type Infer } from "xmpp-muc-sdk/xso";
 *
 * const actor = element("actor", "http://jabber.org/protocol/muc#user", {
 *   jid: attr("jid", jidValue),      // optional attribute, parsed as a JID
 *   nick: attr("nick"),              // optional string attribute
 *   reason: childText("reason"),     // text of an optional <reason/> child
 * });
 * type Actor = Infer<typeof actor>;  // { jid?: JID; nick?: string; reason?: string }
 * const value: Actor = actor.decode(parseElement(`<actor xmlns="http://jabber.org/protocol/muc#user" nick="bob"/>`));
 * const el = actor.encode({ nick: "alice", reason: "Spam" });
 * ```
 *
 * @categoryDescription Namespaces
 * One constant per protocol namespace, also gathered in {@link NS}.
 *
 * ```ts
 * if (stanza.getChild("x", NS_MUC_USER)) console.log("a MUC presence");
 * const query = xml("query", { xmlns: NS.DISCO_INFO });
 * ```
 *
 * @categoryDescription Core stanzas
 * RFC 6120/6121 basics: `<message/>`, `<presence/>` and stanza errors
 * (`<error/>`; thrown as {@link XMPPError}), with XEP-0203 delayed delivery
 * and XEP-0359 stanza and origin ids.
 *
 * ```ts
 * // type, from, to, body and subject by xml:lang, thread
 * const m = message.decode(stanza);
 * console.log(m.type, m.from?.toString(), m.body[""]);
 * const sent = delay.findIn(stanza)?.stamp;  // when it was sent, for history
 * const id = stanzaId.findAllIn(stanza).find((s) => s.by.toString() === "lobby@conference.example.org")?.id;
 * const away = presence.encode({ show: "away", status: { "": "Lunch" } });
 * ```
 *
 * @categoryDescription Data forms
 * XEP-0004 data forms, and typed schemas over them ({@link formSchema},
 * {@link fieldSpec}): a decoded form becomes a typed record and back.
 *
 * ```ts
 * const form = dataForm.decode(el);
 * console.log(form.type, form.title, getFieldValues(form, "muc#roomconfig_roomname"));
 * const voice = formSchema("http://jabber.org/protocol/muc#request", {
 *   role: fieldSpec("muc#role", listSingleOf(["participant"])),
 *   allow: fieldSpec("muc#request_allow", "boolean"),
 * });
 * const request = voice.parse(form);  // { role?: "participant"; allow?: boolean }
 * const answer = dataForm.encode(voice.toSubmit({ role: "participant", allow: true }));
 * ```
 *
 * @categoryDescription Service discovery
 * XEP-0030 disco#info (identities, features, XEP-0128 extension forms) and
 * disco#items (with XEP-0059 pages).
 *
 * ```ts
 * const request = xml("iq", { type: "get", to: "conference.example.org", id: "d1" }, discoItemsQuery.encode({}));
 * const rooms = discoItemsQuery.findIn(itemsResult)?.items ?? [];
 * const info = discoInfoQuery.findIn(infoResult);
 * if (info?.features.includes(NS_MUC)) console.log(info.identities[0]?.name, "is a MUC service");
 * ```
 *
 * @categoryDescription Multi-User Chat
 * XEP-0045: the join (`muc`), occupants' presences and invitations
 * (`muc#user`), the admin and owner queries, the room forms
 * (`muc#roomconfig`, `muc#roominfo`, `muc#register`, `muc#request`) and
 * XEP-0077 registration; with XEP-0249 direct invitations, XEP-0317 hats
 * and XEP-0421 occupant ids.
 *
 * ```ts
 * const join = xml("presence", { to: "lobby@conference.example.org/alice" }, mucJoin.encode({ history: { maxStanzas: 20 } }));
 * const x = mucUserX.findIn(stanza);  // undefined when the presence has no muc#user <x>
 * for (const item of x?.items ?? []) console.log(item.nick, item.role, item.affiliation, item.jid?.toString());
 * if (x?.statusCodes.includes(StatusCode.SELF_PRESENCE)) console.log("that's us");
 * // { roomName?, persistent?, membersOnly?, … }
 * const config = roomConfigSchema.parse(dataForm.decode(formEl));
 * ```
 *
 * @categoryDescription Ad-hoc commands
 * XEP-0050: a request to run a command (`action`, `sessionid`, a submitted
 * form) and the answer (`status`, the actions allowed next, notes, a form or
 * a result); the disco node `http://jabber.org/protocol/commands` lists them.
 *
 * ```ts
 * const run = xml("iq", { type: "set", to: "gateway.example.org", id: "c1" }, adHocCommand.encode({ node: "preferences", action: "execute" }));
 * const answer = adHocCommand.decode(resultIq.getChild("command", NS_COMMANDS)!);
 * if (answer.status === "executing") console.log(answer.form?.fields.map((f) => f.var), answer.actions);
 * ```
 *
 * @categoryDescription Search
 * XEP-0055 jabber search (a form to fill in, results as a data form) and
 * XEP-0100's `jabber:iq:gateway` (a legacy address in, a JID out).
 *
 * ```ts
 * const ask = xml("iq", { type: "set", to: "gateway.example.org", id: "s1" },
 *   searchQuery.encode({ form: { type: "submit", fields: [{ var: "name", values: ["bob"] }] } }));
 * const rows = searchQuery.decode(resultIq.getChild("query", NS_SEARCH)!).form?.items ?? [];
 * ```
 *
 * @categoryDescription vCard avatars
 * XEP-0054 vcard-temp (a photo and a name) and XEP-0153 avatar hashes in
 * presences.
 *
 * ```ts
 * // the avatar's SHA-1; "" for none, undefined when not told
 * const hash = vcardUpdate.findIn(stanza)?.photo;
 * const card = vcardTemp.findIn(vcardResult);
 * if (card?.photo?.binval) console.log(card.photo.type, "avatar,", card.photo.binval.length, "base64 characters");
 * ```
 *
 * @categoryDescription PubSub & bookmarks
 * The XEP-0060 elements PEP needs, and XEP-0402 bookmarks with XEP-0469
 * pinning and XEP-0492 notification settings.
 *
 * ```ts
 * const conference = bookmarkConference.encode({ name: "Lobby", autojoin: true, nick: "alice" });
 * const publish = pubsubQuery.encode({
 *   publish: { node: NS_BOOKMARKS, items: [{ id: "lobby@conference.example.org", payload: conference }] },
 *   publishOptions: { form: bookmarksPublishOptions() },
 * });
 * ```
 *
 * @categoryDescription Chat states & markers
 * XEP-0085 chat states (typing) and XEP-0333 chat markers (read up to here).
 *
 * ```ts
 * const typing = xml("message", { to: "lobby@conference.example.org", type: "groupchat" }, ...chatStatePayloads("composing"));
 * const state = chatStateOf(stanza);  // "composing", "paused", … or undefined
 * const marker = chatMarkerOf(stanza);  // { marker: "displayed", id } or undefined
 * ```
 *
 * @categoryDescription Message changes
 * Messages that refer to earlier ones: XEP-0308 corrections, XEP-0424
 * retractions, XEP-0425 moderation, XEP-0444 reactions and XEP-0461 replies,
 * with their XEP-0428 fallbacks.
 *
 * ```ts
 * const refs = readMessageRefs(stanza, NS_CLIENT, message.decode(stanza).body[""]);
 * if (refs.corrects) console.log("corrects", refs.corrects, "with", refs.text);
 * if (refs.reply) console.log("replies to", refs.reply.id);
 * const reaction = xml("message", { to: "lobby@conference.example.org", type: "groupchat" }, ...reactionsPayloads(stanzaIdOfTarget, ["👍"]));
 * ```
 *
 * @categoryDescription Archive & paging
 * XEP-0313 message archive queries, results and metadata, with XEP-0059
 * result set pages.
 *
 * ```ts
 * const query = mamQuery.encode({ queryId: "q1", form: mamQueryForm({ start: new Date("2024-01-01") }), rsm: { max: 50 } });
 * const result = mamResult.findIn(stanza);               // one archived message
 * if (result) console.log(result.id, result.forwarded.delay?.stamp, message.decode(result.forwarded.message).body[""]);
 * const fin = mamFin.findIn(finResult);  // the end of the page: complete?, rsm.last
 * ```
 *
 * @categoryDescription Privileged entity
 * XEP-0356: the permissions a server grants a component, and IQs it sends
 * on a user's behalf.
 *
 * ```ts
 * for (const perm of privilege.findIn(stanza)?.perms ?? []) console.log(perm.access, perm.type, perm.namespaces);
 * const wrapped = privilegedIq.encode({ iq: xml("iq", { xmlns: NS_CLIENT, type: "get", id: "p1" }, pubsubQuery.encode({ items: { node: NS_BOOKMARKS } })) });
 * ```
 *
 * @categoryDescription File upload & sharing
 * XEP-0363 upload slots, and files in messages: XEP-0447 stateless file
 * sharing and XEP-0066 out-of-band URLs, read and written together.
 *
 * ```ts
 * const request = uploadRequest.encode({ filename: "notes.txt", size: 1024, contentType: "text/plain" });
 * const slot = uploadSlot.findIn(slotResult);  // slot.put.url (with headers), slot.get.url
 * const share = xml("message", { to: "lobby@conference.example.org", type: "groupchat" }, ...attachmentPayloads({ url: "https://example.org/notes.txt", name: "notes.txt" }));
 * for (const file of attachmentsOf(stanza)) console.log(file.name, file.url);
 * ```
 *
 * @categoryDescription Errors
 * What decoding throws ({@link DecodeError}, naming the element and the
 * field; {@link ValueError} inside value types) and stanza errors as
 * exceptions ({@link XMPPError}), each with a type guard.
 *
 * ```ts
 * try {
 *   mucUserX.findIn(stanza);
 * } catch (e) {
 *   if (isDecodeError(e)) console.debug(`ignoring malformed <${e.element}>: ${e.field}`, e.message);
 *   else throw e;
 * }
 * if (stanza.attrs.type === "error") throw XMPPError.fromStanza(stanza);
 * ```
 *
 * @module xmpp-muc-sdk/xso
 */
export * from "./codec.js";
export * from "./errors.js";
export * from "./values.js";
export * from "./ns.js";
export * from "./muc.js";
export * from "./muc-user.js";
export * from "./data-form.js";
export * from "./muc-forms.js";
export * from "./muc-admin.js";
export * from "./muc-owner.js";
export * from "./stanza-error.js";
export * from "./delay.js";
export * from "./stanza-id.js";
export * from "./occupant-id.js";
export * from "./direct-invite.js";
export * from "./hats.js";
export * from "./message-refs.js";
export * from "./register.js";
export * from "./commands.js";
export * from "./search.js";
export * from "./vcard.js";
export * from "./presence.js";
export * from "./chat-states.js";
export * from "./http-upload.js";
export * from "./file-sharing.js";
export * from "./stickers.js";
export * from "./message.js";
export * from "./rsm.js";
export * from "./mam.js";
export * from "./disco.js";
export * from "./parse.js";
export * from "./privilege.js";
export * from "./pubsub.js";
export * from "./bookmarks.js";
