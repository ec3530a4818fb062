#!/usr/bin/python3
"""
aioxmpp peer of test/bench/room.ts: the same room join and groupchat messages,
fed to aioxmpp's MUC client without a network.

Run by room.ts (``/usr/bin/python3 test/bench/room_aioxmpp.py CONFIG.json``);
it prints one JSON object on stdout. Needs the Debian package python3-aioxmpp
(``apt-get install python3-aioxmpp``); without it, it prints
``{"error": "not installed"}`` and exits 0.

The stanzas are the ones room.ts generated, read from the files the config
names (one stanza of XML text per line), so every contender gets the same
input.

What is measured (aioxmpp 0.13), each stanza list in one pass, timing its
two halves separately:

* "parse": each stanza's text is fed to the incremental expat (SAX) parser +
  ``XMPPXMLProcessor`` + ``XSOParser`` that aioxmpp's ``XMLStream`` uses for a
  live stream (after a stream header), giving ``aioxmpp.Presence`` /
  ``aioxmpp.Message`` XSOs. This is its parse floor: aioxmpp does not parse
  into a plain element tree first.
* "processing": those XSOs are then injected into the client's StanzaStream
  (``stream.recv_stanza`` + ``stream.flush_incoming``, both public) and take
  aioxmpp's own path: the stream's inbound filters -> ``on_presence_received``
  / ``on_message_received`` -> ``IMDispatcher`` -> ``MUCClient._handle_presence``
  / ``_handle_message`` -> ``muc.Room._inbound_muc_user_presence`` /
  ``_handle_message`` (occupant tracking, ``on_join`` / ``on_message``
  signals). Nothing private is called directly; the stream's run loop is
  replaced by ``flush_incoming``, which runs the same per-stanza dispatch
  (``StanzaStream._process_incoming``).
* "from XML text" = parse + processing of the same pass. Parsing all first
  keeps the run short: aioxmpp's parsing (pure-Python stringprep of every
  JID) is ~0.3 ms a stanza, so a separate pre-parse pass would double it.

aioxmpp's Room always runs its XEP-0410 MUC monitor, reset on every inbound
room stanza (cannot be switched off through the API); that small cost is in
its figures, while our MucService runs with ``selfPing: false``.

Heap: ``tracemalloc`` (slows Python down, so in a separate, untimed pass at a
small N): bytes traced after - before per occupant with the room alive, after
``gc.collect()``.
"""

import asyncio
import gc
import json
import sys
import time


def main():
    try:
        import aioxmpp
        import aioxmpp.muc  # noqa: F401
        import aioxmpp.xml  # noqa: F401
        import aioxmpp.xso  # noqa: F401
    except ImportError:
        print(json.dumps({"error": "not installed"}))
        return
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    result = asyncio.run(run(cfg))
    result["version"] = aioxmpp.__version__
    print(json.dumps(result))


def read_lines(path, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                out.append(line)
                if limit is not None and len(out) >= limit:
                    break
    return out


class Parser:
    """aioxmpp's live-stream parsing stack: expat SAX -> XMPPXMLProcessor -> XSOParser."""

    def __init__(self, sink):
        import aioxmpp
        import aioxmpp.xml
        import aioxmpp.xso

        self.xso_parser = aioxmpp.xso.XSOParser()
        self.xso_parser.add_class(aioxmpp.Presence, sink)
        self.xso_parser.add_class(aioxmpp.Message, sink)
        self.processor = aioxmpp.xml.XMPPXMLProcessor()
        self.processor.stanza_parser = self.xso_parser
        self.parser = aioxmpp.xml.make_parser()
        self.parser.setContentHandler(self.processor)
        self.parser.feed(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
            " from='shakespeare.lit' to='hecate@shakespeare.lit' id='bench' version='1.0'>"
        )

    def feed(self, text):
        self.parser.feed(text)


class Session:
    """An aioxmpp Client (never connected) with the MUC client summoned, joining the room."""

    def __init__(self, cfg):
        import aioxmpp

        self.client = aioxmpp.Client(
            aioxmpp.JID.fromstr(cfg["me"]),
            aioxmpp.make_security_layer(None),
        )
        self.muc = self.client.summon(aioxmpp.MUCClient)
        self.room, self.fut = self.muc.join(aioxmpp.JID.fromstr(cfg["room"]), cfg["nick"])
        self.joins = 0
        self.messages = 0
        self.room.on_join.connect(self._on_join)
        self.room.on_message.connect(self._on_message)
        self.stream = self.client.stream

    def _on_join(self, member, **kwargs):
        self.joins += 1

    def _on_message(self, message, member, source, **kwargs):
        self.messages += 1

    def process(self, stanzas):
        recv = self.stream.recv_stanza
        for s in stanzas:
            recv(s)
        self.stream.flush_incoming()

    def process_text(self, texts, flush_every=1000):
        recv = self.stream.recv_stanza
        p = Parser(recv)
        n = 0
        for t in texts:
            p.feed(t)
            n += 1
            if n % flush_every == 0:
                self.stream.flush_incoming()
        self.stream.flush_incoming()


def timed_parse(texts):
    """Parse texts into XSOs with the live-stream stack; returns (stanzas, ms)."""
    out = []
    p = Parser(out.append)
    t0 = time.perf_counter()
    for t in texts:
        p.feed(t)
    ms = (time.perf_counter() - t0) * 1000
    if len(out) != len(texts):
        raise RuntimeError("aioxmpp parsed %d of %d stanzas" % (len(out), len(texts)))
    return out, ms


def timed_process(session, stanzas):
    t0 = time.perf_counter()
    session.process(stanzas)
    return (time.perf_counter() - t0) * 1000


def join_once(cfg, occupants, self_presence):
    """One join: parse (timed), then process the parsed stanzas (timed separately)."""
    s = Session(cfg)
    gc.collect()
    stanzas, parse_ms = timed_parse(occupants + [self_presence])
    proc_ms = timed_process(s, stanzas)
    count = len(s.room.members)
    ok = count == len(occupants) + 1 and s.fut.done() and s.room.muc_joined and s.joins == len(occupants)
    return parse_ms, proc_ms, ok, count


def heap_per_occupant(cfg, occupants, self_presence):
    import tracemalloc

    texts = occupants + [self_presence]
    s = Session(cfg)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    s.process_text(texts)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(s.room.members) == len(occupants) + 1
    return (after - before) / len(occupants)


def setup_messages_room(cfg):
    s = Session(cfg)
    setup = read_lines(cfg["occupantsFile"], cfg["messageRoomSize"])
    setup.append(read_lines(cfg["selfFile"])[0])
    setup.append(read_lines(cfg["subjectFile"])[0])
    s.process(timed_parse(setup)[0])
    assert s.room.muc_joined and len(s.room.members) == cfg["messageRoomSize"] + 1
    return s


def messages_once(cfg, texts, chunk=5_000):
    """Messages in chunks: parse a chunk (timed), process it (timed separately)."""
    s = setup_messages_room(cfg)
    gc.collect()
    parse_ms = 0.0
    proc_ms = 0.0
    for i in range(0, len(texts), chunk):
        stanzas, ms = timed_parse(texts[i:i + chunk])
        parse_ms += ms
        proc_ms += timed_process(s, stanzas)
        del stanzas
    return parse_ms, proc_ms, s.messages == len(texts), s.messages


async def run(cfg):
    all_occupants = read_lines(cfg["occupantsFile"])
    self_presence = read_lines(cfg["selfFile"])[0]
    out = {"join": [], "messages": None}
    # Warm-up (imports, caches) on a small room.
    join_once(cfg, all_occupants[:500], self_presence)
    for n in cfg["sizes"]:
        parse_ms, proc_ms, ok, count = join_once(cfg, all_occupants[:n], self_presence)
        out["join"].append({
            "n": n,
            "parseMs": parse_ms,
            "processMs": proc_ms,
            "textMs": parse_ms + proc_ms,
            "ok": ok,
            "count": count,
        })
        gc.collect()
    msgs = read_lines(cfg["messagesFile"], cfg["messages"])
    parse_ms, proc_ms, ok, got = messages_once(cfg, msgs)
    out["messages"] = {
        "count": len(msgs),
        "parseOnlyMs": parse_ms,
        "processMs": proc_ms,
        "textMs": parse_ms + proc_ms,
        "ok": ok,
        "received": got,
    }
    gc.collect()
    heap_n = cfg["heapSize"]
    out["heap"] = {"n": heap_n, "bytesPerOccupant": heap_per_occupant(cfg, all_occupants[:heap_n], self_presence)}
    return out


if __name__ == "__main__":
    main()
