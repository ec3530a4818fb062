/**
 * Gateway persistence: the {@link GatewayStore} interface, its record types,
 * and the SQLite implementation.
 *
 * @module
 */
export type {
  ArchiveEntry,
  ArchiveQuery,
  GatewayStore,
  JsonValue,
  ParticipantRecord,
  RoomRecord,
  ContactRecord,
  RoomAvatar,
  UserRecord,
} from "./store.js";
export { openSqliteStore, StoreError, SQLITE_SCHEMA_VERSION } from "./sqlite.js";
export type { SqliteStoreOptions, StoreErrorReason } from "./sqlite.js";
