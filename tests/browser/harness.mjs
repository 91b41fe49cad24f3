// What the browser tests run against, all real and all on loopback: an
// SMTP server (tests/tools/smtp_server.py under Debian's python3 with
// aiosmtpd), `orgledger serve` processes (RocksDB, or two replicas on a
// private PostgreSQL), and headless Chromium (Debian's) driven by
// playwright-core. The browser resolves no name but loopback and has its
// background networking off; every request a page makes is checked to go
// to the test's own server.
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const HOST_SECRET = "browser-test-host-secret-0123456789";
const SESSION_KEY = "browser-test-session-key-0123456789abcdef";

export function tempDir(name) {
  const root = process.env.ORGLEDGER_TEST_TMP ?? tmpdir();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, name + "-"));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Resolves when `pattern` appears in what `child` writes (its match), or
// rejects after `ms` or when it exits.
function waitFor(child, pattern, ms, what) {
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), ms);
    const read = (chunk) => {
      output += chunk;
      const m = output.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}:\n${output}`));
    });
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

// A real SMTP server; messages() reads what it accepted, in order.
export async function startSmtp() {
  const dir = tempDir("smtp");
  const child = spawn("/usr/bin/python3", [join(here, "../tools/smtp_server.py"), dir],
    { stdio: ["ignore", "pipe", "pipe"] });
  const [, port] = await waitFor(child, /listening (\d+)/, 20000, "the SMTP server");
  return {
    port: Number(port),
    messages() {
      return readdirSync(dir).filter((f) => f.endsWith(".eml")).sort()
        .map((f) => readFileSync(join(dir, f), "utf8"));
    },
    // The first message to `address` that arrives within `ms`.
    async waitForMessageTo(address, ms = 20000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const m = this.messages().find((text) => text.includes(`X-Envelope-To: ${address}`));
        if (m) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no email to ${address} within ${ms} ms`);
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A private PostgreSQL 15 server (as Debian's postgres user when root:
// initdb refuses root), on a free port; url(db) after createdb(db).
export async function startPostgres() {
  const bin = "/usr/lib/postgresql/15/bin/";
  const root = process.getuid() === 0;
  const uid = root ? Number(execFileSync("id", ["-u", "postgres"]).toString()) : undefined;
  const gid = root ? Number(execFileSync("id", ["-g", "postgres"]).toString()) : undefined;
  const dir = mkdtempSync("/var/tmp/orgledger-browser-pg-");
  chmodSync(dir, 0o700);
  if (root) chownSync(dir, uid, gid);
  const as = root ? { uid, gid } : {};
  execFileSync(bin + "initdb", ["-D", dir + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8",
    "--locale=C.UTF-8", "--no-sync"], { ...as, stdio: "ignore" });
  const port = await freePort();
  const child = spawn(bin + "postgres", ["-D", dir + "/data", "-p", String(port), "-k", dir,
    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"], { ...as, stdio: ["ignore", "pipe", "pipe"] });
  await waitFor(child, /database system is ready to accept connections/, 30000, "PostgreSQL");
  return {
    createdb(db) {
      execFileSync(bin + "createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", db]);
    },
    url: (db) => `postgresql://postgres@127.0.0.1:${port}/${db}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");  // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `orgledger serve` with the pages, --dev-login and one session key on a
// port of its own, on RocksDB in its own directory, or on the PostgreSQL
// database of `store` (a postgresql:// URL; the directory then keeps its
// projections); `smtp` an SMTP server's port.
export async function startServe({ store, smtp, dir = tempDir("serve") } = {}) {
  const bin = process.env.ORGLEDGER_BIN;
  if (!bin) throw new Error("set ORGLEDGER_BIN to build/bin/orgledger");
  writeFileSync(join(dir, "secret"), HOST_SECRET + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "session-key"), SESSION_KEY + "\n", { mode: 0o600 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ["serve", "--data", join(dir, "db"), ...(store ? ["--store", store] : []),
    "--listen", `127.0.0.1:${port}`,
    "--secret-file", join(dir, "secret"), "--session-key-file", join(dir, "session-key"),
    "--dev-login", "--public-url", base];
  if (smtp) {
    args.push("--smtp", `smtp://127.0.0.1:${smtp}`, "--mail-from", "billing@orgledger.test",
      "--mail-retry", "0.2");
  }
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  await waitFor(child, /orgledger: listening on 127\.0\.0\.1:\d+/, 30000, "serve");
  return {
    base,
    // The host's API, for setting a scene up quickly (never what a test checks).
    async host(request) {
      const kind = "op" in request ? "commands" : "views";
      const res = await fetch(`${base}/v1/${kind}`, {
        method: "POST", headers: { authorization: `Bearer ${HOST_SECRET}` }, body: JSON.stringify(request),
      });
      const answer = await res.json();
      if (!answer.ok && !request.allowError) throw new Error(JSON.stringify(answer));
      return answer;
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Headless Chromium: the system's, sandbox off as root, every background
// service off, and no name resolves but loopback's.
export async function launchBrowser() {
  const args = [
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--no-first-run", "--no-default-browser-check", "--no-pings",
    "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ];
  if (process.getuid() === 0) args.push("--no-sandbox");
  return chromium.launch({ executablePath: process.env.ORGLEDGER_CHROMIUM ?? "/usr/bin/chromium", args });
}

// A person's own browser context, signed in through the development sign-in
// page (unless `signedIn` is false). Every request its pages make must go to `base` (else the test
// fails); `responses` keeps the body of each /app/v1 answer.
export async function personIn(browser, base, person, { clipboard = false, signedIn = true } = {}) {
  const context = await browser.newContext();
  if (clipboard) await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const seen = { responses: [], elsewhere: [], dialogs: [], urls: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    seen.urls.push(url);
    if (url.startsWith("http://127.0.0.1:")) return route.continue();
    seen.elsewhere.push(url);
    return route.abort();
  });
  context.on("response", async (response) => {
    if (!response.url().includes("/app/v1/")) return;
    try {
      seen.responses.push({ url: response.url(), body: await response.text() });
    } catch {
      // a page navigated away before reading it
    }
  });
  const page = await context.newPage();
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss();
  });
  if (signedIn) await signIn(page, base, person);
  return { context, page, seen };
}

export async function signIn(page, base, person, next = "/") {
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await fillSignIn(page, person);
  await page.waitForURL((url) => url.pathname === next.split(/[?#]/)[0]);
}

export async function fillSignIn(page, person) {
  await page.getByLabel("User id").fill(person.id);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Name").fill(person.name);
  await page.getByRole("button", { name: "Sign in" }).click();
}
