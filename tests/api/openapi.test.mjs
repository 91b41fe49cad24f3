// The API reference against the real server: the document served at
// GET /v1/openapi.json is a valid OpenAPI 3.1 document (a maintained
// validator), and a scripted session of every op and view, accepted and
// rejected, plus the operator endpoints, gets only responses that validate
// against the document's schemas (Ajv, JSON Schema 2020-12). Every accepted
// request validates against its op's or view's request schema, too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Validator } from "@seriousme/openapi-schema-validator";
import { startServer, HOST_SECRET, ADMIN_SECRET } from "./server.mjs";

let server;
let doc;
let ajv;
const checked = { ops: new Map(), views: new Map(), paths: new Set() };

before(async () => {
  server = await startServer(["--dev-login"]);
  const res = await fetch(server.base + "/v1/openapi.json");
  assert.equal(res.status, 200);
  doc = await res.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document as one schema resource: "#/components/schemas/X" resolves.
  ajv.addSchema({ $id: "openapi.json", components: doc.components });
});

after(async () => {
  await server?.stop();
});

function schemaFor(name) {
  return ajv.getSchema(`openapi.json#/components/schemas/${name}`) ??
    assert.fail(`no schema ${name}`);
}

function validate(name, value, what) {
  const v = schemaFor(name);
  assert.ok(v(value), `${what} does not match ${name}: ` +
    JSON.stringify(v.errors, null, 1) + "\n" + JSON.stringify(value));
}

// The schema the document gives for `status` of `method path`.
function responseSchema(method, path, status, type = "application/json") {
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${path} is not in the document`);
  const response = op.responses[String(status)];
  assert.ok(response, `${method} ${path} answered ${status}, not documented`);
  return response.content?.[type]?.schema;
}

async function call(method, path, { body, auth, headers: extra } = {}) {
  const headers = { ...extra };
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(server.base + path, {
    method, headers,
    body: body === undefined ? undefined : (typeof body === "string" ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  checked.paths.add(`${method} ${path}`);
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) {
    return { status: res.status, text };
  }
  const json = text === "" ? undefined : JSON.parse(text);
  if (res.status === 405) {
    // A method the path does not take: the Allow header names the
    // documented ones, the body is an Error.
    const documented = Object.keys(doc.paths[path]).map((m) => m.toUpperCase());
    assert.deepEqual(res.headers.get("allow").split(", ").sort(), documented.sort());
    validate("Error", json, `${method} ${path} 405`);
  } else if (method !== "HEAD") {
    const schema = responseSchema(method, path, res.status);
    assert.ok(schema, `${method} ${path} ${res.status}: no JSON schema`);
    const v = schema.$ref ? ajv.getSchema("openapi.json" + schema.$ref) : ajv.compile(schema);
    assert.ok(v(json), `${method} ${path} ${res.status}: ` +
      JSON.stringify(v.errors, null, 1) + "\n" + text);
  }
  return { status: res.status, json, text };
}

// One command or view request; `expect` is "ok" or the error code it must
// get. Records which ops and views were seen accepted and rejected, and
// validates an accepted request against its own schema.
async function send(path, kind, seenBy, request, expect) {
  const name = request[kind];
  const r = await call("POST", path, { body: request, auth: HOST_SECRET });
  const got = r.json.ok ? "ok" : r.json.error.code;
  assert.equal(got, expect, `${name}: ${r.text}`);
  const seen = seenBy.get(name) ?? new Set();
  seen.add(got === "ok" ? "accepted" : "rejected");
  seenBy.set(name, seen);
  if (got === "ok") validate(`${kind}.${name}`, request, `an accepted ${kind} request`);
  return r.json;
}

const command = (request, expect) => send("/v1/commands", "op", checked.ops, request, expect);

async function view(request, expect = "ok") {
  const json = await send("/v1/views", "view", checked.views, request, expect);
  if (expect === "ok") validate(`view.${request.view}.result`, json, `the ${request.view} view`);
  return json;
}

const person = (id) => ({ id, email: `${id}@example.com`, name: id[0].toUpperCase() + id.slice(1) });
const alice = person("alice"), bob = person("bob"), carol = person("carol");
const dave = person("dave"), erin = person("erin");
const billing = { system: "billing-service" };
const org = "acme";
const card = (exp_year) => ({ processor_token: "tok_1N3example", brand: "visa", last4: "4242", exp_month: 12, exp_year, holder_name: "Carol Biller" });

test("the served document is a valid OpenAPI 3.1 document", async () => {
  const validator = new Validator();
  const res = await validator.validate(doc);
  assert.ok(res.valid, JSON.stringify(res.errors, null, 1));
  assert.equal(validator.version, "3.1");
});

test("a session of every op and view validates against the document", async () => {
  const c = (op, actor, fields = {}) => ({ op, org, actor, ...fields });
  let last = await command(c("create_organization", alice, { edition: "team" }), "ok");
  await command(c("create_organization", bob, { edition: "team" }), "already_exists");
  await command(c("create_organization", bob, { edition: "gold" }), "invalid_argument");

  const bobInvite = await command(c("invite_member", alice, { email: bob.email, role: "member" }), "ok");
  await command(c("invite_member", alice, { email: bob.email, role: "member" }), "invite_pending");
  await command(c("accept_invite", bob, { invite_id: bobInvite.invite_id }), "ok");
  const link = await command(c("create_member_invite_link", alice, { role: "member" }), "ok");
  assert.ok(link.token);
  await command(c("create_member_invite_link", bob, { role: "member" }), "forbidden");
  await command(c("accept_invite", dave, { token: link.token }), "ok");
  await command(c("accept_invite", erin, { token: link.token }), "invite_already_used");

  const carolInvite = await command(c("invite_billing_manager", alice, { email: carol.email }), "ok");
  await command(c("accept_invite", carol, { invite_id: carolInvite.invite_id }), "ok");
  await command(c("invite_billing_manager", alice, { email: erin.email }), "limit_reached");
  await command(c("create_billing_manager_invite_link", alice), "limit_reached");
  await command(c("change_subscription", carol, { edition: "enterprise" }), "ok");
  await command(c("change_subscription", carol, { edition: "gold" }), "invalid_argument");
  const bmLink = await command(c("create_billing_manager_invite_link", alice), "ok");
  await command(c("revoke_invite", alice, { invite_id: bmLink.invite_id }), "ok");
  await command(c("revoke_invite", alice, { invite_id: bmLink.invite_id }), "invite_revoked");

  const erinInvite = await command(c("invite_member", alice, { email: erin.email, role: "admin" }), "ok");
  await command(c("resend_invite", alice, { invite_id: erinInvite.invite_id }), "ok");
  await command(c("resend_invite", alice, { invite_id: "no-such-invite" }), "invite_not_found");
  await command(c("record_invite_email_failure", billing, { invite_id: erinInvite.invite_id, reason: "550 5.1.1 no such mailbox" }), "ok");
  await command(c("record_invite_email_failure", alice, { invite_id: erinInvite.invite_id, reason: "550" }), "forbidden");

  await command(c("change_role", alice, { user_id: dave.id, role: "admin" }), "ok");
  await command(c("change_role", alice, { user_id: dave.id, role: "owner" }), "invalid_argument");
  await command(c("remove_member", bob, { user_id: bob.id }), "ok");
  await command(c("remove_member", alice, { user_id: "nobody" }), "not_found");

  await command(c("create_team", alice, { team: "core", name: "Core" }), "ok");
  await command(c("create_team", alice, { team: "core", name: "Core" }), "already_exists");
  await command(c("create_team", alice, { team: "web", name: "Web" }), "ok");
  await command(c("delete_team", alice, { team: "web" }), "ok");
  await command(c("delete_team", alice, { team: "web" }), "not_found");

  await command(c("update_credit_card", carol, { card: card(2030) }), "ok");
  await command(c("update_credit_card", carol, { card: card(2020) }), "invalid_argument");
  await command(c("record_payment", billing, { payment_id: "pay-1", amount_cents: 1500, currency: "USD", status: "succeeded", paid_at: "2026-11-01T00:00:00Z" }), "ok");
  await command(c("record_payment", alice, { payment_id: "pay-2", amount_cents: 1500, currency: "USD", status: "succeeded", paid_at: "2026-11-01T00:00:00Z" }), "forbidden");
  await command(c("record_resource_count", billing, { count: 12, at: new Date(Date.now() - 3600e3).toISOString() }), "ok");
  last = await command(c("record_resource_count", billing, { count: 14, at: new Date().toISOString() }), "ok");
  await command(c("record_resource_count", billing, { count: -1, at: new Date().toISOString() }), "invalid_argument");
  const limits = await command(c("change_subscription", alice, { edition: "individual" }), "limit_exceeded");
  assert.ok(limits.error.violations.length > 0);

  // The envelope's own fields: idempotency, expected_version, correlation.
  const keyed = c("create_team", alice, { team: "ops", name: "Ops", idempotency_key: "k-1", correlation_id: "req-42" });
  const first = await command(keyed, "ok");
  const again = await command(keyed, "ok");
  assert.equal(again.replayed, true);
  assert.equal(again.position, first.position);
  await command({ ...keyed, name: "Other" }, "idempotency_conflict");
  await command(c("delete_team", alice, { team: "ops", expected_version: 1 }), "concurrency_conflict");
  // A billing manager sees the billing managers' names and nothing else.
  const names = await view({ view: "billing_managers", org, viewer: carol, min_position: first.position });
  assert.deepEqual(names, { ok: true, billing_managers: [{ name: "Carol" }] });
  await view({ view: "members", org, viewer: carol, min_position: first.position }, "forbidden");
  await view({ view: "billing", org, viewer: carol, min_position: first.position });
  await command(c("remove_billing_manager", carol, { user_id: carol.id }), "ok");
  await command(c("remove_billing_manager", alice, { user_id: carol.id }), "not_found");
  last = await command(c("delete_team", alice, { team: "ops" }), "ok");

  // Shapes the decoder refuses.
  for (const bad of ['{"op": "invite_billingmanager"}', "[1]", "{", '{"op":"create_team","op":"x"}']) {
    const r = await call("POST", "/v1/commands", { body: bad, auth: HOST_SECRET });
    assert.equal(r.json.error.code, "invalid_request", r.text);
  }

  // Every view, read after the last write.
  const v = (name, viewer, fields = {}) => ({ view: name, org, viewer, min_position: last.position, ...fields });
  await view(v("member_count", alice));
  await view(v("members", alice, { limit: 2 }));
  await view(v("billing_managers", alice));
  await view(v("billing_managers", dave));
  await view(v("invites", alice));
  await view({ view: "invites", org, viewer: dave, limit: 1 }, "invalid_request");
  await view(v("billing", alice));
  await view(v("billing", alice, { month: "2026-13" }), "invalid_argument");
  await view(v("payments", alice, { limit: 1 }));
  await view(v("rum", alice));
  await view(v("teams", alice));
  await view({ ...v("teams", alice), org: "nowhere" }, "not_found");
  await view(v("audit_log", alice, { limit: 3 }));
  await view(v("authorize", alice, { permission: "billing.credit_card.update" }));
  await view(v("authorize", alice, { permission: "billing.cards" }), "invalid_argument");
  await view(v("member_count", alice, { min_position: last.position + 1000 }), "not_caught_up");
  await view(v("rum", alice, { month: "2026-11" }));
  // A system viewer.
  await view(v("authorize", billing, { permission: "members.list" }));

  for (const name of Object.keys(doc.components.schemas.CommandRequest.discriminator.mapping)) {
    assert.deepEqual([...(checked.ops.get(name) ?? [])].sort(), ["accepted", "rejected"], `op ${name}`);
  }
  for (const name of Object.keys(doc.components.schemas.ViewRequest.discriminator.mapping)) {
    assert.ok(checked.views.get(name)?.has("accepted"), `view ${name}`);
  }
});

test("the operator endpoints, health, metrics and errors of HTTP validate", async () => {
  let r = await call("POST", "/v1/admin/rebuild", { body: {}, auth: ADMIN_SECRET });
  assert.equal(r.status, 200, r.text);
  r = await call("POST", "/v1/admin/rebuild", { body: { projection: "nope" }, auth: ADMIN_SECRET });
  assert.equal(r.status, 404, r.text);
  r = await call("POST", "/v1/admin/backup", { body: { name: "nightly-1" }, auth: ADMIN_SECRET });
  assert.equal(r.status, 200, r.text);
  r = await call("POST", "/v1/admin/backup", { body: { name: "../up" }, auth: ADMIN_SECRET });
  assert.equal(r.status, 400, r.text);
  r = await call("POST", "/v1/admin/backup", { body: { name: "x" }, auth: HOST_SECRET });
  assert.equal(r.status, 401, r.text);
  r = await call("POST", "/v1/commands", { body: {}, auth: "wrong-secret-0123456789" });
  assert.equal(r.status, 401, r.text);
  r = await call("GET", "/v1/views", { auth: HOST_SECRET });
  assert.equal(r.status, 405, r.text);
  r = await call("GET", "/healthz");
  assert.equal(r.status, 200);
  r = await call("HEAD", "/healthz");
  assert.equal(r.status, 200);
  r = await call("GET", "/metrics", { auth: ADMIN_SECRET });
  assert.equal(r.status, 200);
  assert.match(r.text, /orgledger_commands_total/);
  r = await call("GET", "/metrics");
  assert.equal(r.status, 401, r.text);
  r = await call("POST", "/v1/commands", { body: "x".repeat(1100000), auth: HOST_SECRET });
  assert.equal(r.status, 413, r.text);
});

test("the events feed streams the log as Server-Sent Events", async () => {
  let r = await call("GET", "/v1/events");
  assert.equal(r.status, 401, r.text);
  r = await call("POST", "/v1/events", { body: {}, auth: HOST_SECRET });
  assert.equal(r.status, 405, r.text);
  // A host in another language: fetch's stream, read as SSE.
  const controller = new AbortController();
  const res = await fetch(server.base + "/v1/events?from=1", {
    headers: { authorization: `Bearer ${HOST_SECRET}` },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/event-stream/);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!/(^|\n)id: 2\ndata: .*\n\n/.test(text)) {
    const { value, done } = await reader.read();
    assert.ok(!done, `the stream ended: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  const first = JSON.parse(text.match(/(?:^|\n)id: 1\ndata: (.*)\n/)[1]);
  assert.equal(first.position, 1);
  assert.equal(first.type, "OrganizationCreated");
});

test("the pages' API validates against the document", async () => {
  let r = await call("GET", "/app/v1/session");
  assert.equal(r.json.signed_in, null);
  assert.equal(r.json.dev_login, true);
  r = await call("POST", "/app/v1/commands", { body: { op: "create_organization", org: "pages", edition: "team" } });
  assert.equal(r.status, 401, r.text);
  const origin = { origin: server.base };
  r = await call("POST", "/app/v1/signin", { body: { id: "u-pat", email: "not-an-email", name: "Pat" }, headers: origin });
  assert.equal(r.json.error.code, "invalid_argument", r.text);
  const res = await fetch(server.base + "/app/v1/signin", {
    method: "POST", headers: { "content-type": "application/json", ...origin },
    body: JSON.stringify({ id: "u-pat", email: "pat@example.com", name: "Pat" }),
  });
  assert.equal(res.status, 200);
  const setCookie = res.headers.get("set-cookie");
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = { cookie: setCookie.split(";")[0] };
  r = await call("GET", "/app/v1/session", { headers: cookie });
  assert.deepEqual(r.json.signed_in, { id: "u-pat", email: "pat@example.com", name: "Pat" });
  const signedIn = { ...cookie, ...origin, "x-csrf-token": r.json.csrf };
  // Without the CSRF token, from another origin, or naming an actor: refused.
  r = await call("POST", "/app/v1/commands", { body: { op: "create_organization", org: "pages", edition: "team" }, headers: { ...cookie, ...origin } });
  assert.equal(r.json.error.code, "forbidden", r.text);
  r = await call("POST", "/app/v1/commands", { body: { op: "create_organization", org: "pages", edition: "team" }, headers: { ...signedIn, origin: "http://evil.example" } });
  assert.equal(r.json.error.code, "forbidden", r.text);
  r = await call("POST", "/app/v1/commands", { body: { op: "create_organization", org: "pages", edition: "team", actor: alice }, headers: signedIn });
  assert.equal(r.json.error.code, "invalid_request", r.text);
  r = await call("POST", "/app/v1/commands", { body: { op: "create_organization", org: "pages", edition: "team" }, headers: signedIn });
  assert.equal(r.json.ok, true, r.text);
  r = await call("POST", "/app/v1/views", { body: { view: "billing_managers", org: "pages", min_position: r.json.position }, headers: signedIn });
  assert.equal(r.json.ok, true, r.text);
  validate("view.billing_managers.result", r.json, "the pages' billing_managers view");
  r = await call("POST", "/app/v1/views", { body: { view: "nope", org: "pages" }, headers: signedIn });
  assert.equal(r.json.error.code, "invalid_request", r.text);
  r = await call("GET", "/app/v1/session", { headers: cookie });
  assert.deepEqual(r.json.organizations, [{ org: "pages", role: "admin" }]);
  r = await call("POST", "/app/v1/signout", { body: {}, headers: signedIn });
  assert.equal(r.json.ok, true, r.text);
  r = await call("HEAD", "/app/v1/session");
  assert.equal(r.status, 200);
});
