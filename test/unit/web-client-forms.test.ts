/**
 * The web client's rule for the images a gateway sends (a QR code): only a
 * `data:` image or an `https:` URL is shown (examples/browser/forms.ts).
 */
import { describe, expect, it } from "vitest";
import { safeImageUrl } from "../../examples/browser/forms.js";

describe("safeImageUrl", () => {
  it("takes an http: URL only on a page served over http: (the demo's file share)", () => {
    expect(safeImageUrl("http://127.0.0.1:5280/file_share/qr.gif", "http:")).toBe("http://127.0.0.1:5280/file_share/qr.gif");
    expect(safeImageUrl("http://127.0.0.1:5280/file_share/qr.gif", "https:")).toBeUndefined();
    expect(safeImageUrl("javascript:alert(1)", "http:")).toBeUndefined();
  });

  it("takes data: images and https: URLs only", () => {
    expect(safeImageUrl("data:image/gif;base64,R0lGODlhAQABAAAAACw=")).toBe("data:image/gif;base64,R0lGODlhAQABAAAAACw=");
    expect(safeImageUrl(" https://upload.example/qr.gif ")).toBe("https://upload.example/qr.gif");
    for (const bad of [undefined, "", "http://upload.example/qr.gif", "javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4=", "data:image/png,<svg>", "//example.org/x.png", "not a url"]) {
      expect(safeImageUrl(bad), String(bad)).toBeUndefined();
    }
  });
});
