// The pages' surface without a browser: what serve answers on each page
// path (and its security headers), who is signed in behind an
// authenticating proxy (believed from --trusted-proxy addresses only),
// and the flags serve refuses to start with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startServer } from "./server.mjs";

const proxied = {
  "x-forwarded-user": "u-pat",
  "x-forwarded-email": "pat@example.com",
  "x-forwarded-preferred-username": "Pat Proxy",
};

test("every page path answers the page with its security headers; others are 404", async () => {
  const server = await startServer();
  try {
    for (const path of ["/", "/signin", "/orgs/acme/settings/billing", "/orgs/acme/invites/inv_x1",
      "/orgs/acme/join", "/assets/app.js", "/assets/app.css"]) {
      const res = await fetch(server.base + path);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get("content-security-policy");
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      const body = await res.text();
      if (path.startsWith("/assets/")) continue;
      assert.match(res.headers.get("content-type"), /^text\/html/, path);
      // No inline script: the page's one script is a file of this server.
      assert.deepEqual([...body.matchAll(/<script[^>]*>/g)].map((m) => m[0]),
        ['<script type="module" src="/assets/app.js">']);
    }
    for (const path of ["/orgs/-bad/settings/billing", "/orgs/acme/settings", "/assets/nope.js", "/orgs"]) {
      const res = await fetch(server.base + path);
      assert.equal(res.status, 404, path);
    }
    // Without --dev-login there is no sign-in form.
    const res = await fetch(server.base + "/app/v1/signin", {
      method: "POST", body: JSON.stringify({ id: "u-a", email: "a@example.com", name: "A" }),
    });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error.message, /authenticating proxy/);
  } finally {
    await server.stop();
  }
});

test("behind an authenticating proxy the person is the proxy's headers, from a trusted address only", async () => {
  const trusting = await startServer(["--identity-header-prefix", "X-Forwarded-", "--trusted-proxy", "127.0.0.1"]);
  const distrusting = await startServer(["--identity-header-prefix", "X-Forwarded-", "--trusted-proxy", "192.0.2.1"]);
  try {
    let session = await (await fetch(trusting.base + "/app/v1/session", { headers: proxied })).json();
    assert.deepEqual(session.signed_in, { id: "u-pat", email: "pat@example.com", name: "Pat Proxy" });
    assert.equal(session.dev_login, false);
    const res = await fetch(trusting.base + "/app/v1/commands", {
      method: "POST",
      headers: { ...proxied, origin: trusting.base, "x-csrf-token": session.csrf },
      body: JSON.stringify({ op: "create_organization", org: "proxied", edition: "team" }),
    });
    const answer = await res.json();
    assert.equal(answer.ok, true, JSON.stringify(answer));
    // The session's organizations come from the views, which follow the
    // log: they show the new one once they reach the command's position.
    for (let tries = 0; tries < 50; tries++) {
      session = await (await fetch(trusting.base + "/app/v1/session", { headers: proxied })).json();
      if (session.organizations.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(session.organizations, [{ org: "proxied", role: "admin" }]);

    session = await (await fetch(distrusting.base + "/app/v1/session", { headers: proxied })).json();
    assert.equal(session.signed_in, null);
    assert.match(session.why, /proxy sent no x-forwarded-user/);
  } finally {
    await trusting.stop();
    await distrusting.stop();
  }
});

test("serve refuses --dev-login off loopback and a proxy's headers without --trusted-proxy", () => {
  const bin = process.env.ORGLEDGER_BIN;
  let r = spawnSync(bin, ["serve", "--data", "/nonexistent/db", "--listen", "0.0.0.0:0", "--secret-file", "/nonexistent/s", "--dev-login"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr.toString() + r.stdout.toString(), /--dev-login .* loopback only/);
  r = spawnSync(bin, ["serve", "--data", "/nonexistent/db", "--listen", "127.0.0.1:0", "--secret-file", "/nonexistent/s", "--identity-header-prefix", "X-Forwarded-"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr.toString() + r.stdout.toString(), /needs --trusted-proxy/);
});
