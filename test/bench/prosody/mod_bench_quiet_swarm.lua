-- Benchmark-only Prosody module (test/bench/join.ts), loaded on the MUC
-- component: occupants whose real JID is on the swarm host
-- (`bench_swarm_host`) join quietly.
--
--   * They get no occupant list when they join, and their own presence is
--     routed to themselves only, not broadcast to the room.
--   * Everyone else is untouched: a client from another host that joins gets
--     Prosody's ordinary occupant list, every swarm occupant included, and its
--     presence is broadcast to everyone, the swarm included.
--
-- Without it, filling a room with N occupants costs O(N^2) presences (each
-- joiner gets the list and is announced to all), 10^8 stanzas for N = 10,000.
-- Prosody's own `muc#roomconfig_presencebroadcast` does not help: it filters
-- by the role of the occupant a presence is about, not of its recipient, so a
-- room that does not broadcast participants also leaves them out of a
-- moderator's occupant list (checked on Prosody 0.12.3).
--
-- Rooms are patched as they are created (`muc-room-pre-create`), by
-- shadowing two methods of `room_mt` on the room object.

local jid_host = require "util.jid".host;

local swarm_host = module:get_option_string("bench_swarm_host", "swarm.localhost");

local function is_swarm(jid)
	return jid ~= nil and jid_host(jid) == swarm_host;
end

local function quieten(room)
	if rawget(room, "send_occupant_list") then return; end
	local send_occupant_list = room.send_occupant_list;
	local publicise_occupant_status = room.publicise_occupant_status;

	room.send_occupant_list = function (self, to, filter)
		if is_swarm(to) then return; end
		return send_occupant_list(self, to, filter);
	end

	room.publicise_occupant_status = function (self, occupant, x, nick, actor, reason, prev_role, force_unavailable, recipient)
		if recipient == nil and is_swarm(occupant.bare_jid) then
			-- Only the occupant itself hears of it (without status 110).
			recipient = occupant;
		end
		return publicise_occupant_status(self, occupant, x, nick, actor, reason, prev_role, force_unavailable, recipient);
	end
end

module:hook("muc-room-pre-create", function (event)
	quieten(event.room);
end, 1000);

