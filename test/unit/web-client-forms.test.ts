/**
 * The web client's rule for the images a gateway sends (a QR code): only a
 * `data:` image or an `https:` URL is shown (examples/browser/forms.ts).
 */
import { describe, expect, it } from "vitest";
import { safeImageUrl } from "../../examples/browser/forms.js";

describe("safeImageUrl", () => {
  it("takes data: images and https: URLs only", () => {
    expect(safeImageUrl("data:image/gif;base64,R0lGODlhAQABAAAAACw=")).toBe("data:image/gif;base64,R0lGODlhAQABAAAAACw=");
    expect(safeImageUrl(" https://upload.example/qr.gif ")).toBe("https://upload.example/qr.gif");
    for (const bad of [undefined, "", "http://upload.example/qr.gif", "javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4=", "data:image/png,<svg>", "//example.org/x.png", "not a url"]) {
      expect(safeImageUrl(bad), String(bad)).toBeUndefined();
    }
  });
});
