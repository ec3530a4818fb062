/** XEP-0317 hats (version 0.3): `<hats xmlns='urn:xmpp:hats:0'>` in occupant presence. */
import { describe, expect, it } from "vitest";
import { hat, hats } from "../../../src/xso/hats.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

/** XEP-0317 §3.1, "Presence With Multiple Hats". */
const PRESENCE_WITH_HATS = `<presence
    from='meeting123@meetings.example.com/Harry'
    id='D568A74F-E062-407C-83E9-531E91526516'
    to='someone@example.com/foo'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <item affiliation='owner' role='moderator'/>
  </x>
  <hats xmlns='urn:xmpp:hats:0'>
    <hat title='Host' uri='http://schemas.example.com/hats#host' hue='327.255249' xml:lang='en-us'>
      <badge xmlns="urn:example:badges" level="3"/>
    </hat>
    <hat title='Presenter' uri='http://schemas.example.com/hats#presenter' hue='171.430664' xml:lang='en-us'>
      <badge xmlns="urn:example:badges" level="5"/>
    </hat>
  </hats>
</presence>`;

describe("hats", () => {
  it("XEP-0317 §3.1: presence with multiple hats, custom payloads kept", () => {
    const value = checkFixture(hats, PRESENCE_WITH_HATS, {
      hats: [
        {
          title: "Host",
          uri: "http://schemas.example.com/hats#host",
          hue: 327.255249,
          lang: "en-us",
          payloads: [parseXml('<badge xmlns="urn:example:badges" level="3"/>')],
        },
        {
          title: "Presenter",
          uri: "http://schemas.example.com/hats#presenter",
          hue: 171.430664,
          lang: "en-us",
          payloads: [parseXml('<badge xmlns="urn:example:badges" level="5"/>')],
        },
      ],
    });
    expect(value.hats[0]?.payloads[0]?.attrs.level).toBe("3");
    expect(hats.findIn(parseXml(PRESENCE_WITH_HATS))?.hats.map((h) => h.title)).toEqual(["Host", "Presenter"]);
  });

  it("an empty <hats/> holds no hats", () => {
    expect(hats.decode(parseXml("<hats xmlns='urn:xmpp:hats:0'/>"))).toEqual({ hats: [] });
  });

  it("hue is optional and written back in the same form", () => {
    const noHue = hat.decode(parseXml("<hat xmlns='urn:xmpp:hats:0' title='Scribe' uri='urn:example:scribe'/>"));
    expect(noHue).toEqual({ title: "Scribe", uri: "urn:example:scribe", payloads: [] });
    expect(hat.encode(noHue).attrs.hue).toBeUndefined();
    for (const hue of ["0", "360", "12.5", "327.255249"]) {
      const v = hat.decode(parseXml(`<hat xmlns='urn:xmpp:hats:0' title='T' uri='u' hue='${hue}'/>`));
      expect(v.hue).toBe(Number(hue));
      expect(hat.encode(v).attrs.hue).toBe(hue);
    }
  });

  it("rejects a hue that is not an angle in [0, 360]", () => {
    for (const hue of ["", "red", "NaN", "-1", "360.5", "1e9", "12,5"]) {
      const r = hat.tryDecode(parseXml(`<hat xmlns='urn:xmpp:hats:0' title='T' uri='u' hue='${hue}'/>`));
      expect(r.ok, hue).toBe(false);
    }
  });

  it("requires uri and title", () => {
    expect(hat.tryDecode(parseXml("<hat xmlns='urn:xmpp:hats:0' title='T'/>")).ok).toBe(false);
    expect(hat.tryDecode(parseXml("<hat xmlns='urn:xmpp:hats:0' uri='u'/>")).ok).toBe(false);
    const bad = hats.tryDecode(parseXml("<hats xmlns='urn:xmpp:hats:0'><hat uri='u'/></hats>"));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.field).toBe("hats.title");
  });
});
