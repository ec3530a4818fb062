/**
 * A tiny static server for the browser example (node:http, no framework):
 *
 * - `/` and `/index.html`, `/style.css`: the files next to this one;
 * - `/app.js`: `app.ts` bundled for the browser with esbuild, built in memory
 *   when the server starts (nothing is written to disk);
 * - `/config.json`: what the page needs to log in (the WebSocket URL, the
 *   XMPP domain, the MUC service and the gateway);
 * - `/xmpp-websocket` (optional): a WebSocket pass-through to the XMPP
 *   server, so the page talks XMPP to its own origin; `config.json` then
 *   points at `ws://<the page's host>/xmpp-websocket`.
 *
 * ```ts
 * const web = await startWebServer({ port: 0, config: { websocketUrl, domain, mucDomain, gatewayDomain } });
 * console.log(web.url);
 * await web.close();
 * ```
 *
 * Run on its own against an existing server:
 *
 *   npx tsx examples/browser/serve.ts --websocket ws://127.0.0.1:5280/xmpp-websocket --domain localhost
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { readFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));

/** A demo account the login page offers as a shortcut. */
export interface DemoAccountHint {
  /** The XMPP username (local part). */
  readonly username: string;
  /** Its password (demo only: shown on the login page). */
  readonly password: string;
  /** A short note, e.g. "owner of coffee". */
  readonly note?: string;
}

/** What `/config.json` serves: everything the page needs to log in. */
export interface WebConfig {
  /** The XMPP-over-WebSocket endpoint (RFC 7395). Ignored when the server proxies one (`xmppWebSocket`). */
  readonly websocketUrl?: string;
  /** The XMPP domain users live on, e.g. `localhost`. */
  readonly domain: string;
  /** The MUC service whose rooms are listed, e.g. `conference.localhost`. */
  readonly mucDomain?: string;
  /** The gateway (an XMPP component serving another network's groups as rooms), e.g. `gateway.localhost`. */
  readonly gatewayDomain?: string;
  /** Accounts to offer on the login page (a local demo only). */
  readonly accounts?: readonly DemoAccountHint[];
  /** The page title. */
  readonly title?: string;
}

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  /** The port; `0` (the default) picks a free one. */
  readonly port?: number;
  /** The interface to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** What `/config.json` serves. */
  readonly config: WebConfig;
  /**
   * The XMPP server's WebSocket endpoint to pass `/xmpp-websocket` through
   * to (e.g. `ws://127.0.0.1:5280/xmpp-websocket`). When set, the page is
   * told to connect to its own origin.
   */
  readonly xmppWebSocket?: string;
  /** Rebuild the bundle on every request of `/app.js` (while editing the web client). @default false */
  readonly dev?: boolean;
}

/** A running web server. */
export interface WebServer {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The size of the JavaScript bundle, in bytes. */
  readonly bundleBytes: number;
  /** Stop listening and close every open connection (proxied WebSockets included). */
  close(): Promise<void>;
}

/**
 * Build the page's bundle and start serving.
 *
 * @throws when the bundle does not build, or the port cannot be bound.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? "127.0.0.1";
  let bundle = await buildBundle();
  const upstream = options.xmppWebSocket !== undefined ? new URL(options.xmppWebSocket) : undefined;
  if (upstream && upstream.protocol !== "ws:") throw new Error(`xmppWebSocket must be a ws:// URL, got ${options.xmppWebSocket}`);

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error("web server:", e instanceof Error ? e.message : e);
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "Internal error\n");
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "Method not allowed\n", { allow: "GET, HEAD" });
      return;
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    switch (path) {
      case "/":
      case "/index.html":
        send(res, 200, "text/html; charset=utf-8", await readFile(join(HERE, "index.html")));
        return;
      case "/style.css":
        send(res, 200, "text/css; charset=utf-8", await readFile(join(HERE, "style.css")));
        return;
      case "/app.js":
        if (options.dev) bundle = await buildBundle();
        send(res, 200, "text/javascript; charset=utf-8", bundle);
        return;
      case "/config.json": {
        const config: WebConfig = upstream ? { ...options.config, websocketUrl: `ws://${req.headers.host ?? `${host}:${port}`}/xmpp-websocket` } : options.config;
        send(res, 200, "application/json; charset=utf-8", JSON.stringify(config, null, 2));
        return;
      }
      case "/favicon.ico":
        send(res, 204, "image/x-icon", "");
        return;
      default:
        send(res, 404, "text/plain; charset=utf-8", "Not found\n");
    }
  }

  // WebSocket pass-through: forward the upgrade request as it is and pipe both ways.
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (!upstream || path !== "/xmpp-websocket") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    const target = connect({ host: upstream.hostname, port: Number(upstream.port || 80) });
    sockets.add(target);
    target.once("close", () => sockets.delete(target));
    const lines = [`${req.method ?? "GET"} ${upstream.pathname}${upstream.search} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = name.toLowerCase() === "host" ? upstream.host : (req.rawHeaders[i + 1] as string);
      lines.push(`${name}: ${value}`);
    }
    target.once("connect", () => {
      target.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) target.write(head);
      target.pipe(socket);
      socket.pipe(target);
    });
    const closeBoth = (): void => {
      socket.destroy();
      target.destroy();
    };
    target.on("error", () => {
      if (!socket.destroyed && target.bytesRead === 0) socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n");
      closeBoth();
    });
    socket.on("error", closeBoth);
    socket.once("close", closeBoth);
    target.once("close", closeBoth);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    get bundleBytes() {
      return bundle.length;
    },
    close() {
      closed ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : body.length),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** Bundle app.ts for the browser, in memory. */
async function buildBundle(): Promise<Uint8Array> {
  const result = await esbuild.build({
    entryPoints: [join(HERE, "app.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
    plugins: [browserMapWithoutExtensions()],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("esbuild produced no output");
  return out.contents;
}

/**
 * esbuild matches a package.json `browser` map key only with the extension
 * the import carries; `@xmpp/resolve` maps `"./lib/dns": false` while
 * importing `./lib/dns.js` (Node's DNS). Honour such keys; `false` becomes an
 * empty module.
 */
function browserMapWithoutExtensions(): esbuild.Plugin {
  return {
    name: "browser-map-without-extensions",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\/.*\.[cm]?js$/ }, (args) => {
        if (!args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        const pkgDir = packageDirOf(args.importer);
        if (!pkgDir) return undefined;
        const browser = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { browser?: unknown }).browser;
        if (typeof browser !== "object" || browser === null) return undefined;
        const target = resolve(dirname(args.importer), args.path);
        const key = `./${relative(pkgDir, target).split(sep).join("/").replace(/\.[cm]?js$/, "")}`;
        const to = (browser as Record<string, string | false>)[key];
        if (to === undefined) return undefined;
        if (to === false) return { path: target, namespace: "browser-disabled" };
        return { path: resolve(pkgDir, to) };
      });
      build.onLoad({ filter: /.*/, namespace: "browser-disabled" }, () => ({ contents: "export default {};", loader: "js" }));
    },
  };
}

function packageDirOf(file: string): string | undefined {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

// Run directly: serve the page against an XMPP server given on the command line.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: process.env.PORT ?? "0" },
      websocket: { type: "string", default: "ws://127.0.0.1:5280/xmpp-websocket" },
      domain: { type: "string", default: "localhost" },
      muc: { type: "string" },
      gateway: { type: "string" },
      proxy: { type: "boolean", default: false },
      dev: { type: "boolean", default: false },
    },
  });
  const web = await startWebServer({
    port: Number(values.port),
    dev: values.dev,
    config: {
      websocketUrl: values.websocket,
      domain: values.domain,
      mucDomain: values.muc ?? `conference.${values.domain}`,
      ...(values.gateway ? { gatewayDomain: values.gateway } : {}),
    },
    ...(values.proxy ? { xmppWebSocket: values.websocket } : {}),
  });
  console.log(`serving ${web.url} (bundle ${(web.bundleBytes / 1024).toFixed(1)} KiB)`);
  const stop = (): void => void web.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
