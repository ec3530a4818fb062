/// <reference lib="dom" />
/**
 * Redrawing the page from under it: the modules that change the state ask
 * here for what shows it to be drawn again, without importing render.ts
 * (which imports them). app.ts gives render.ts's functions before anything
 * is drawn.
 *
 * @module
 */
import type { RoomView } from "./state.js";

/** What to draw again (render.ts's functions, given by app.ts; nothing is drawn before). */
export const redraw: {
  /** The whole page: the sidebar, the main pane and the occupants (render.ts's `render`). */
  page: () => void;
  /** The sidebar and the tab's title (render.ts's `renderNav`). */
  nav: () => void;
  /** The occupants pane (occupants.ts's `renderPeople`). */
  people: () => void;
  /** The parts of a joined room's view that change, when it is on screen (room-view.ts's `renderRoomParts`). */
  room: (view: RoomView) => void;
} = { page: () => {}, nav: () => {}, people: () => {}, room: () => {} };
