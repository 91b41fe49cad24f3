// The people's pages as people use them, in headless Chromium against a
// real `orgledger serve` (and a real SMTP server, and for the replicas a
// real PostgreSQL). Each test is one story of issue 18's list. A scene is
// set up through the host's API where the story does not need the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser, personIn, fillSignIn, startPostgres, startServe, startSmtp } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
let smtp;
let serve;
let browser;

const alice = { id: "u-alice", email: "alice@example.com", name: "Alice Admin" };
const bill = { id: "u-bill", email: "bill@example.com", name: "Bill Payer" };
const cara = { id: "u-cara", email: "cara@example.com", name: "Cara Count" };
const today = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date());

before(async () => {
  smtp = await startSmtp();
  serve = await startServe({ smtp: smtp.port });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await smtp?.stop();
});

const billing = (org, base = serve.base) => `${base}/orgs/${org}/settings/billing`;

// Waits until `locator`'s text matches `pattern` (10 s).
async function waitForText(locator, pattern) {
  const deadline = Date.now() + 10000;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.count()) ? await locator.first().innerText() : "";
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`text ${JSON.stringify(text)} does not match ${pattern}`);
}

// An organization made through the host's API, with `people` joined by
// email invitation as `role` (billing_manager or member).
async function scene(org, edition, people = [], role = "billing_manager") {
  await serve.host({ op: "create_organization", org, actor: alice, edition });
  for (const p of people) {
    const invite = role === "billing_manager"
      ? { op: "invite_billing_manager", org, actor: alice, email: p.email }
      : { op: "invite_member", org, actor: alice, email: p.email, role };
    const { invite_id } = await serve.host(invite);
    await serve.host({ op: "accept_invite", org, actor: p, invite_id });
  }
}

function checkOnlyLoopback(seen) {
  assert.deepEqual(seen.elsewhere, [], "a page contacted something other than the test's server");
}

test("1. an admin invites by email; the email arrives with the URL; the invitee signs in and accepts; the admin sees the accepted date", async () => {
  const admin = await personIn(browser, serve.base, alice);
  const { page } = admin;
  await page.getByLabel(/Organization name/).fill("mail-co");
  await page.getByLabel("Edition").selectOption("team");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(billing("mail-co"));
  await page.getByLabel("Email address").fill("bill@example.com");
  await page.getByRole("button", { name: "Invite Billing Managers" }).click();
  await waitForText(page.locator("#billing-notice"), /Invitation sent to bill@example\.com/);
  await waitForText(page.locator("#pending-invites"), /bill@example\.com\s+\S.*Pending/);

  const mail = await smtp.waitForMessageTo("bill@example.com");
  const url = mail.match(/http:\/\/127\.0\.0\.1:\d+\/orgs\/mail-co\/invites\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(url, `no invitation URL in the email:\n${mail}`);

  const invitee = await personIn(browser, serve.base, bill, { signedIn: false });
  await invitee.page.goto(url);
  await invitee.page.getByRole("link", { name: "Sign in" }).click();
  await fillSignIn(invitee.page, bill);
  await invitee.page.waitForURL(url);
  await invitee.page.getByRole("button", { name: "Accept invitation" }).click();
  await waitForText(invitee.page.locator("#accept-result"), /You joined mail-co/);

  await page.reload();
  const row = page.locator("#billing-managers tbody tr", { hasText: "Bill Payer" });
  await waitForText(row, new RegExp(`Bill Payer\\s+bill@example\\.com\\s+${today}`));
  assert.equal(await page.locator("#pending-invites").count(), 0);
  checkOnlyLoopback(admin.seen);
  checkOnlyLoopback(invitee.seen);
  await admin.context.close();
  await invitee.context.close();
});

test("2. an admin copies the invite link; a second person accepts it; opening it again says it was already used", async () => {
  await scene("link-co", "enterprise");
  const admin = await personIn(browser, serve.base, alice, { clipboard: true });
  await admin.page.goto(billing("link-co"));
  await admin.page.getByRole("button", { name: "Copy Billing Manager invite link" }).click();
  await waitForText(admin.page.locator("#billing-notice"), /copied to the clipboard\. It works once and never expires/);
  const url = await admin.page.evaluate(() => navigator.clipboard.readText());
  assert.match(url, new RegExp(`^${serve.base}/orgs/link-co/join#token=[A-Za-z0-9_-]{20,}$`));
  await waitForText(admin.page.locator("#pending-invites"), /Invite link \(created/);

  const second = await personIn(browser, serve.base, bill);
  await second.page.goto(url);
  await second.page.getByRole("button", { name: "Accept invitation" }).click();
  await waitForText(second.page.locator("#accept-result"), /You joined link-co/);

  const third = await personIn(browser, serve.base, cara);
  await third.page.goto(url);
  await third.page.getByRole("button", { name: "Accept invitation" }).click();
  await waitForText(third.page.locator("#accept-result"), /already used/);

  // The token stays in the fragment: never in a request line.
  for (const who of [admin, second, third]) {
    assert.ok(!who.seen.urls.some((u) => u.includes("token")), who.seen.urls.join("\n"));
    checkOnlyLoopback(who.seen);
    await who.context.close();
  }
});

test("3. on Team with one Billing Manager the invite controls are disabled with the reason, and the server refuses a forced invite", async () => {
  await scene("team-co", "team", [bill]);
  const admin = await personIn(browser, serve.base, alice);
  const { page } = admin;
  await page.goto(billing("team-co"));
  await waitForText(page.locator("#bm-limit"), /^1 of 1 Billing Manager used$/);
  const invite = page.getByRole("button", { name: "Invite Billing Managers" });
  const copy = page.getByRole("button", { name: "Copy Billing Manager invite link" });
  assert.equal(await invite.isDisabled(), true);
  assert.equal(await copy.isDisabled(), true);
  assert.equal(await page.getByLabel("Email address").isDisabled(), true);
  await waitForText(page.locator("#invite-disabled-reason"), /Team edition allows 1 Billing Manager, pending invitations included/);
  // The reason is the controls' description, so a screen reader says it.
  assert.equal(await invite.getAttribute("aria-describedby"), "invite-disabled-reason");

  const forced = await page.evaluate(async () => {
    const session = await (await fetch("/app/v1/session")).json();
    const res = await fetch("/app/v1/commands", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": session.csrf },
      body: JSON.stringify({ op: "invite_billing_manager", org: "team-co", email: "carl@example.com" }),
    });
    return res.json();
  });
  assert.equal(forced.ok, false);
  assert.equal(forced.error.code, "limit_reached", JSON.stringify(forced));
  checkOnlyLoopback(admin.seen);
  await admin.context.close();
});

test("4. a Billing Manager sees the other Billing Managers' names only, in the page and in every response; a member sees no billing data", async () => {
  await scene("names-co", "enterprise", [bill, cara]);
  await serve.host({ op: "invite_billing_manager", org: "names-co", actor: alice, email: "pending-person@example.com" });
  await serve.host({
    op: "update_credit_card", org: "names-co", actor: bill,
    card: { processor_token: "tok_visa_4242", brand: "visa", last4: "4242", exp_month: 12, exp_year: 2031, holder_name: "Bill Payer" },
  });
  await serve.host({
    op: "record_payment", org: "names-co", actor: { system: "payments" }, payment_id: "pay-1",
    amount_cents: 4900, currency: "USD", status: "succeeded", paid_at: "2026-11-01T00:00:00Z",
  });
  await serve.host({ op: "record_resource_count", org: "names-co", actor: { system: "metering" }, count: 120, at: new Date().toISOString() });
  const mia = { id: "u-mia", email: "mia@example.com", name: "Mia Member" };
  const { invite_id } = await serve.host({ op: "invite_member", org: "names-co", actor: alice, email: mia.email, role: "member" });
  await serve.host({ op: "accept_invite", org: "names-co", actor: mia, invite_id });

  const manager = await personIn(browser, serve.base, bill);
  await manager.page.goto(billing("names-co"));
  await waitForText(manager.page.locator("#billing-managers"), /Bill Payer[\s\S]*Cara Count/);
  await waitForText(manager.page.locator("#card"), /visa ending in 4242/);
  const text = await manager.page.locator("main").innerText();
  for (const secret of ["cara@example.com", "pending-person@example.com", today, "Pending Billing Manager invitations"]) {
    assert.ok(!text.includes(secret), `the Billing Manager's page shows ${secret}:\n${text}`);
  }
  assert.equal(await manager.page.getByRole("button", { name: "Invite Billing Managers" }).count(), 0);
  assert.equal(await manager.page.getByRole("button", { name: /More actions/ }).count(), 0);
  assert.ok(manager.seen.responses.length >= 2);
  for (const r of manager.seen.responses) {
    for (const secret of ["cara@example.com", "pending-person", "accepted_at", "invite_id", "tok_visa"]) {
      assert.ok(!r.body.includes(secret), `${r.url} answered the Billing Manager ${secret}: ${r.body}`);
    }
  }

  const member = await personIn(browser, serve.base, mia);
  await member.page.goto(billing("names-co"));
  await waitForText(member.page.locator("#no-access"), /don't have access to billing for names-co/);
  for (const r of member.seen.responses) {
    for (const data of ["Bill Payer", "Cara", "4242", "pay-1", "4900", "edition"]) {
      assert.ok(!r.body.includes(data), `${r.url} answered the member ${data}: ${r.body}`);
    }
  }

  const dir = process.env.ORGLEDGER_SCREENSHOTS;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const admin = await personIn(browser, serve.base, alice);
    await admin.page.setViewportSize({ width: 1100, height: 900 });
    await admin.page.goto(billing("names-co"));
    await waitForText(admin.page.locator("#pending-invites"), /pending-person/);
    await admin.page.screenshot({ path: join(dir, "billing-admin.png"), fullPage: true });
    await manager.page.setViewportSize({ width: 1100, height: 900 });
    await manager.page.screenshot({ path: join(dir, "billing-manager.png"), fullPage: true });
    await admin.context.close();
  }
  checkOnlyLoopback(manager.seen);
  checkOnlyLoopback(member.seen);
  await manager.context.close();
  await member.context.close();
});

test("5. removing with the dialog, by keyboard; a removal after another tab removed the person shows the conflict and the refreshed table", async () => {
  await scene("remove-co", "enterprise", [bill, cara]);
  const admin = await personIn(browser, serve.base, alice);
  const first = admin.page;
  const second = await admin.context.newPage();
  await first.goto(billing("remove-co"));
  await second.goto(billing("remove-co"));
  await waitForText(second.locator("#billing-managers"), /Bill Payer/);

  // The first tab, with the keyboard only.
  await first.getByRole("button", { name: "More actions for Bill Payer" }).focus();
  await first.keyboard.press("Enter");
  await first.keyboard.press("Enter");  // the menu's Remove Billing Manager has the focus
  const dialog = first.getByRole("dialog");
  await waitForText(dialog, /Remove Bill Payer \(bill@example\.com\) as a Billing Manager of remove-co\?/);
  await first.keyboard.press("Tab");  // from Cancel to the dialog's Remove Billing Manager
  await first.keyboard.press("Enter");
  await waitForText(first.locator("#billing-notice"), /Bill Payer is no longer a Billing Manager/);
  assert.equal(await first.locator("#billing-managers tbody tr", { hasText: "Bill Payer" }).count(), 0);

  // The second tab still shows Bill, at the version it read.
  await second.getByRole("button", { name: "More actions for Bill Payer" }).click();
  await second.getByRole("menuitem", { name: "Remove Billing Manager" }).click();
  await second.getByRole("dialog").getByRole("button", { name: "Remove Billing Manager" }).click();
  await waitForText(second.locator("#billing-notice"), /Someone changed this organization since the page was loaded/);
  await waitForText(second.locator("#billing-managers"), /Cara Count/);
  assert.equal(await second.locator("#billing-managers tbody tr", { hasText: "Bill Payer" }).count(), 0);
  const left = await serve.host({ view: "billing_managers", org: "remove-co", viewer: alice });
  assert.deepEqual(left.billing_managers.map((b) => b.name), ["Cara Count"]);
  checkOnlyLoopback(admin.seen);
  await admin.context.close();
});

test("6. an acceptance with the wrong email shows the error to the person and on the admin's pending row", async () => {
  await scene("mismatch-co", "enterprise");
  const { invite_id } = await serve.host({ op: "invite_billing_manager", org: "mismatch-co", actor: alice, email: "dana@example.com" });
  const erin = { id: "u-erin", email: "erin@example.com", name: "Erin" };
  const wrong = await personIn(browser, serve.base, erin);
  await wrong.page.goto(`${serve.base}/orgs/mismatch-co/invites/${invite_id}`);
  await wrong.page.getByRole("button", { name: "Accept invitation" }).click();
  await waitForText(wrong.page.locator("#accept-result"), /sent to another email address than yours/);

  const admin = await personIn(browser, serve.base, alice);
  await admin.page.goto(billing("mismatch-co"));
  const row = admin.page.locator("#pending-invites tbody tr", { hasText: "dana@example.com" });
  await waitForText(row, /An acceptance failed .*by erin@example\.com.*sent to another email address than yours/);
  checkOnlyLoopback(wrong.seen);
  checkOnlyLoopback(admin.seen);
  await wrong.context.close();
  await admin.context.close();
});

test("7. a name that looks like markup is shown as text; a change without the CSRF token or from another origin is refused", async () => {
  const odd = { id: "u-odd", email: "odd@example.com", name: "<img src=x onerror=alert(1)>" };
  await scene("xss-co", "enterprise", [odd]);
  const admin = await personIn(browser, serve.base, alice);
  await admin.page.goto(billing("xss-co"));
  await waitForText(admin.page.locator("#billing-managers"), /<img src=x onerror=alert\(1\)>/);
  await admin.page.getByRole("button", { name: "More actions for <img src=x onerror=alert(1)>" }).waitFor();
  const self = await personIn(browser, serve.base, odd);
  await waitForText(self.page.locator("#signed-in-as"), /Signed in as <img src=x onerror=alert\(1\)>/);
  for (const who of [admin, self]) {
    assert.equal(await who.page.locator("img").count(), 0);
    assert.deepEqual(who.seen.dialogs, []);
  }

  const withoutToken = await admin.page.evaluate(async () => {
    const res = await fetch("/app/v1/commands", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ op: "remove_billing_manager", org: "xss-co", user_id: "u-odd" }),
    });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(withoutToken.status, 403);
  assert.match(withoutToken.body.error.message, /X-CSRF-Token/);

  // Another origin, with the session's cookie and even its token.
  const cookies = await admin.context.cookies(serve.base);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const session = await (await fetch(`${serve.base}/app/v1/session`, { headers: { cookie } })).json();
  const res = await fetch(`${serve.base}/app/v1/commands`, {
    method: "POST",
    headers: { cookie, origin: "http://attacker.example", "x-csrf-token": session.csrf, "content-type": "application/json" },
    body: JSON.stringify({ op: "remove_billing_manager", org: "xss-co", user_id: "u-odd" }),
  });
  assert.equal(res.status, 403);
  assert.match((await res.json()).error.message, /own pages/);
  const still = await serve.host({ view: "billing_managers", org: "xss-co", viewer: alice });
  assert.equal(still.billing_managers.length, 1);
  // The cookie is HttpOnly and SameSite=Strict: no script reads it.
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, "Strict");
  assert.equal(await admin.page.evaluate(() => document.cookie), "");
  for (const who of [admin, self]) {
    checkOnlyLoopback(who.seen);
    await who.context.close();
  }
});

test("8. two serve replicas on one PostgreSQL with one session key: a session from one is accepted by the other", async () => {
  const pg = await startPostgres();
  let a;
  let b;
  try {
    pg.createdb("pages");
    a = await startServe({ store: pg.url("pages") });
    b = await startServe({ store: pg.url("pages") });
    const admin = await personIn(browser, a.base, alice);
    const { page } = admin;
    await page.getByLabel(/Organization name/).fill("replica-co");
    await page.getByLabel("Edition").selectOption("enterprise");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL(billing("replica-co", a.base));

    // The same browser, the other replica: no sign-in asked.
    await page.goto(billing("replica-co", b.base));
    await waitForText(page.locator("#signed-in-as"), /Signed in as Alice Admin/);
    await page.getByLabel("Email address").fill("bill@example.com");
    await page.getByRole("button", { name: "Invite Billing Managers" }).click();
    await waitForText(page.locator("#billing-notice"), /Invitation sent to bill@example\.com/);
    await page.goto(billing("replica-co", a.base));
    await waitForText(page.locator("#pending-invites"), /bill@example\.com/);
    checkOnlyLoopback(admin.seen);
    await admin.context.close();
  } finally {
    await a?.stop();
    await b?.stop();
    await pg.stop();
  }
});
