/**
 * XEP-0045 §16.5 (Field Standardization; §15.5 before version 1.30): typed
 * data forms for the four MUC FORM_TYPEs — room configuration
 * (`muc#roomconfig`, §16.5.3), extended room information (`muc#roominfo`,
 * §16.5.4), room registration (`muc#register`, §16.5.1) and voice requests
 * (`muc#request`, §16.5.2).
 *
 * Each is a {@link formSchema}: `roomConfigSchema.parse(dataForm.decode(el))`
 * gives a {@link RoomConfig}; `roomConfigSchema.toSubmit(config)` gives the
 * form to submit. The field maps are exported too, to extend a schema with
 * implementation-specific fields.
 *
 * @module
 */
import { ValueError } from "./errors.js";
import { fieldSpec, formSchema, integerKind, listMultiOf, listSingleOf, multiValueKind, type FormFieldKind, type InferFormRecord } from "./data-form.js";
import { ROLES } from "./muc-user.js";
import { NS_MUC_REGISTER, NS_MUC_REQUEST, NS_MUC_ROOMCONFIG, NS_MUC_ROOMINFO } from "./ns.js";
import { integer, string } from "./values.js";

/**
 * Who may send private messages (`muc#roomconfig_allowpm`).
 *
 * @category Multi-User Chat
 */
export const ALLOW_PM_VALUES = ["anyone", "participants", "moderators", "none"] as const;
/**
 * Who may send private messages in the room.
 *
 * @category Multi-User Chat
 */
export type AllowPm = (typeof ALLOW_PM_VALUES)[number];

/**
 * Who may discover occupants' real JIDs (`muc#roomconfig_whois`).
 *
 * @category Multi-User Chat
 */
export const WHOIS_VALUES = ["moderators", "anyone"] as const;
/**
 * Who may discover real JIDs: `"moderators"` (semi-anonymous room) or `"anyone"` (non-anonymous room).
 *
 * @category Multi-User Chat
 */
export type Whois = (typeof WHOIS_VALUES)[number];

/**
 * The roles whose presence a room can broadcast (`muc#roomconfig_presencebroadcast`).
 *
 * @category Multi-User Chat
 */
export const BROADCAST_ROLES = ["moderator", "participant", "visitor"] as const;
/**
 * A role whose presence a room can broadcast.
 *
 * @category Multi-User Chat
 */
export type BroadcastRole = (typeof BROADCAST_ROLES)[number];

const nonNegative = integer(0);

/**
 * The `muc#roomconfig_maxusers` kind: a list-single of numbers, where `none`
 * (XEP-0045 §10.1.3) means no limit.
 *
 * @category Multi-User Chat
 */
export const maxUsersKind: FormFieldKind<number | "none"> = {
  fieldType: "list-single",
  parse(values) {
    if (values.length === 0) return undefined;
    if (values.length > 1) throw new ValueError(`expected one value, got ${values.length}`);
    const text = (values[0] as string).trim();
    if (text === "") return undefined;
    return text === "none" ? "none" : nonNegative.parse(text);
  },
  format: (value) => [value === "none" ? "none" : nonNegative.format(value)],
};

/**
 * The `muc#roomconfig` fields (XEP-0045 §16.5.3), in the order of the §10.1.3 example form.
 *
 * @category Multi-User Chat
 */
export const roomConfigFields = {
  /** Natural-language room name. */
  roomName: fieldSpec("muc#roomconfig_roomname", "text", { label: "Natural-Language Room Name" }),
  /** Short description of the room. */
  description: fieldSpec("muc#roomconfig_roomdesc", "text", { label: "Short Description of Room" }),
  /** Natural language of room discussions. */
  lang: fieldSpec("muc#roomconfig_lang", "text", { label: "Natural Language for Room Discussions" }),
  /** Whether room conversations are logged publicly. */
  enableLogging: fieldSpec("muc#roomconfig_enablelogging", "boolean", { label: "Whether to Enable Public Logging of Room Conversations" }),
  /** Whether occupants may change the subject. */
  changeSubject: fieldSpec("muc#roomconfig_changesubject", "boolean", { label: "Whether to Allow Occupants to Change Subject" }),
  /** Whether members may invite others. */
  allowInvites: fieldSpec("muc#roomconfig_allowinvites", "boolean", { label: "Whether to Allow Members to Invite Others" }),
  /** Who may send private messages. */
  allowPm: fieldSpec("muc#roomconfig_allowpm", listSingleOf(ALLOW_PM_VALUES), {
    label: "Roles that May Send Private Messages",
    options: [
      { label: "Anyone", value: "anyone" },
      { label: "Anyone with Voice", value: "participants" },
      { label: "Moderators Only", value: "moderators" },
      { label: "Nobody", value: "none" },
    ],
  }),
  /** Maximum number of occupants, or `"none"` for no limit. */
  maxUsers: fieldSpec("muc#roomconfig_maxusers", maxUsersKind, { label: "Maximum Number of Room Occupants" }),
  /** Roles whose presence is broadcast. */
  presenceBroadcast: fieldSpec("muc#roomconfig_presencebroadcast", listMultiOf(BROADCAST_ROLES), {
    label: "Roles for which Presence is Broadcasted",
    options: [
      { label: "Moderator", value: "moderator" },
      { label: "Participant", value: "participant" },
      { label: "Visitor", value: "visitor" },
    ],
  }),
  /** Roles and affiliations that may retrieve the member list (kept as strings: either may appear). */
  getMemberList: fieldSpec("muc#roomconfig_getmemberlist", "listMulti", { label: "Roles and Affiliations that May Retrieve Member List" }),
  /** Whether the room is listed in public searches. */
  public: fieldSpec("muc#roomconfig_publicroom", "boolean", { label: "Whether to Allow Public Searching for Room" }),
  /** Whether the room persists when the last occupant leaves. */
  persistent: fieldSpec("muc#roomconfig_persistentroom", "boolean", { label: "Whether to Make Room Persistent" }),
  /** Whether the room is moderated. */
  moderated: fieldSpec("muc#roomconfig_moderatedroom", "boolean", { label: "Whether to Make Room Moderated" }),
  /** Whether only members may enter. */
  membersOnly: fieldSpec("muc#roomconfig_membersonly", "boolean", { label: "Whether to Make Room Members-Only" }),
  /** Whether a password is required to enter. */
  passwordProtected: fieldSpec("muc#roomconfig_passwordprotectedroom", "boolean", { label: "Whether a Password is Required to Enter" }),
  /** The room password. */
  password: fieldSpec("muc#roomconfig_roomsecret", "textPrivate", { label: "The Room Password" }),
  /** Who may discover occupants' real JIDs. */
  whois: fieldSpec("muc#roomconfig_whois", listSingleOf(WHOIS_VALUES), {
    label: "Affiliations that May Discover Real JIDs of Occupants",
    options: [
      { label: "Moderators Only", value: "moderators" },
      { label: "Anyone", value: "anyone" },
    ],
  }),
  /** Maximum number of history messages returned on join. */
  maxHistoryFetch: fieldSpec("muc#maxhistoryfetch", integerKind(0), { label: "Maximum Number of History Messages Returned by Room" }),
  /** Full list of room admins. */
  roomAdmins: fieldSpec("muc#roomconfig_roomadmins", "jidMulti", { label: "Full List of Room Admins" }),
  /** Full list of room owners. */
  roomOwners: fieldSpec("muc#roomconfig_roomowners", "jidMulti", { label: "Full List of Room Owners" }),
  /** XMPP URI of the associated publish-subscribe node. */
  pubsub: fieldSpec("muc#roomconfig_pubsub", "text", { label: "XMPP URI of Associated Publish-Subscribe Node" }),
};

/**
 * The room configuration form (`http://jabber.org/protocol/muc#roomconfig`).
 *
 * @category Multi-User Chat
 */
export const roomConfigSchema = formSchema(NS_MUC_ROOMCONFIG, roomConfigFields);
/**
 * A room configuration, as read from or written to a `muc#roomconfig` form.
 *
 * @category Multi-User Chat
 */
export type RoomConfig = InferFormRecord<typeof roomConfigSchema>;

/**
 * The `muc#roominfo` fields (XEP-0045 §16.5.4), plus the `muc#roomconfig`
 * fields the §6.4 example shows in extended disco info (`changeSubject`,
 * `pubsub`); any other roomconfig field may be added by extending this map.
 *
 * @category Multi-User Chat
 */
export const roomInfoFields = {
  /** Short description of the room. */
  description: fieldSpec("muc#roominfo_description", "text", { label: "Short Description of Room" }),
  /** Contact addresses (normally the room owners). */
  contactJids: fieldSpec("muc#roominfo_contactjid", "jidMulti", { label: "Contact Addresses (normally, room owner or owners)" }),
  /** Current discussion topic. */
  subject: fieldSpec("muc#roominfo_subject", "text", { label: "Current Discussion Topic" }),
  /** Whether participants may modify the subject. */
  subjectMod: fieldSpec("muc#roominfo_subjectmod", "boolean", { label: "The room subject can be modified by participants" }),
  /** Whether occupants may change the subject (a roomconfig field). */
  changeSubject: roomConfigFields.changeSubject,
  /** Current number of occupants. */
  occupants: fieldSpec("muc#roominfo_occupants", integerKind(0), { label: "Current Number of Occupants in Room" }),
  /** An associated LDAP group (distinguished name). */
  ldapGroup: fieldSpec("muc#roominfo_ldapgroup", "text", { label: "An associated LDAP group that defines room membership" }),
  /** Natural language of room discussions. */
  lang: fieldSpec("muc#roominfo_lang", "text", { label: "Natural Language for Room Discussions" }),
  /** URL of archived discussion logs. */
  logs: fieldSpec("muc#roominfo_logs", "text", { label: "URL for Archived Discussion Logs" }),
  /** Maximum number of history messages returned on join. */
  maxHistoryFetch: roomConfigFields.maxHistoryFetch,
  /** XMPP URI of the associated publish-subscribe node (a roomconfig field). */
  pubsub: roomConfigFields.pubsub,
  /** SHA-1 hashes (hex) of the room's avatar, one per image format offered (XEP-0486). */
  avatarHashes: fieldSpec("muc#roominfo_avatarhash", multiValueKind("text-multi", string), { label: "Avatar Hash" }),
};

/**
 * The extended room information form (`http://jabber.org/protocol/muc#roominfo`, in disco#info).
 *
 * @category Multi-User Chat
 */
export const roomInfoSchema = formSchema(NS_MUC_ROOMINFO, roomInfoFields);
/**
 * Extended room information, as read from a `muc#roominfo` form.
 *
 * @category Multi-User Chat
 */
export type RoomInfo = InferFormRecord<typeof roomInfoSchema>;

/**
 * The `muc#register` fields (XEP-0045 §16.5.1), in the order of the §7.10 example form.
 *
 * @category Multi-User Chat
 */
export const roomRegisterFields = {
  /** Given name. */
  first: fieldSpec("muc#register_first", "text", { label: "Given Name" }),
  /** Family name. */
  last: fieldSpec("muc#register_last", "text", { label: "Family Name" }),
  /** Desired room nickname. */
  roomNick: fieldSpec("muc#register_roomnick", "text", { label: "Desired Nickname" }),
  /** A web page. */
  url: fieldSpec("muc#register_url", "text", { label: "A Web Page" }),
  /** Email address. */
  email: fieldSpec("muc#register_email", "text", { label: "Email Address" }),
  /** FAQ entry (lines joined with `"\n"`). */
  faqEntry: fieldSpec("muc#register_faqentry", "textMulti", { label: "FAQ Entry" }),
  /** Whether an admin allows the registration (approval form, §9.9). */
  allow: fieldSpec("muc#register_allow", "boolean", { label: "Allow this person to register with the room?" }),
};

/**
 * The room registration form (`http://jabber.org/protocol/muc#register`).
 *
 * @category Multi-User Chat
 */
export const roomRegisterSchema = formSchema(NS_MUC_REGISTER, roomRegisterFields);
/**
 * A room registration request (or its approval), as read from or written to a `muc#register` form.
 *
 * @category Multi-User Chat
 */
export type RoomRegistration = InferFormRecord<typeof roomRegisterSchema>;

/**
 * The `muc#request` fields (XEP-0045 §16.5.2).
 *
 * @category Multi-User Chat
 */
export const voiceRequestFields = {
  /** The requested role (normally `"participant"`). */
  role: fieldSpec("muc#role", listSingleOf(ROLES), { label: "Requested role" }),
  /** The requester's JID (approval form, §8.6). */
  jid: fieldSpec("muc#jid", "jid", { label: "User ID" }),
  /** The requester's room nickname (approval form). */
  roomNick: fieldSpec("muc#roomnick", "text", { label: "Room Nickname" }),
  /** Whether the moderator grants voice (approval form). */
  allow: fieldSpec("muc#request_allow", "boolean", { label: "Whether to grant voice" }),
};

/**
 * The voice request and approval form (`http://jabber.org/protocol/muc#request`).
 *
 * @category Multi-User Chat
 */
export const voiceRequestSchema = formSchema(NS_MUC_REQUEST, voiceRequestFields);
/**
 * A voice request (or its approval), as read from or written to a `muc#request` form.
 *
 * @category Multi-User Chat
 */
export type VoiceRequest = InferFormRecord<typeof voiceRequestSchema>;
