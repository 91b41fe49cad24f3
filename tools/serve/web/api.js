// The pages' API (/app/v1/*): who acts is the session's, every change
// carries the session's CSRF token, and errors come back in words.

let session = null;

// Who is signed in: {signed_in: {id, email, name} | null, dev_login, csrf,
// organizations: [{org, role}]}.
export async function loadSession() {
  const response = await fetch("/app/v1/session", { credentials: "same-origin" });
  session = await response.json();
  return session;
}

async function post(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (session?.csrf) headers["X-CSRF-Token"] = session.csrf;
  let response;
  try {
    response = await fetch(path, {
      method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: { code: "unavailable", message: "the server could not be reached" } };
  }
  try {
    return await response.json();
  } catch {
    return { ok: false, error: { code: "unavailable", message: `the server answered ${response.status}` } };
  }
}

// A command without "actor": {ok: true, position, version, ...} or
// {ok: false, error: {code, message}}.
export function command(body) {
  return post("/app/v1/commands", body);
}

// A view without "viewer".
export function view(body) {
  return post("/app/v1/views", body);
}

export function signIn(person) {
  return post("/app/v1/signin", person);
}

export function signOut() {
  return post("/app/v1/signout", {});
}

// An error of the API in words a person reads: what happened, then the
// server's own message (which names the valid choices).
const words = {
  unauthenticated: "You are not signed in.",
  forbidden: "You are not allowed to do this.",
  not_found: "Not found.",
  invite_not_found: "This invitation does not exist (it may have been mistyped).",
  invite_already_used: "This invitation was already used.",
  invite_revoked: "This invitation was revoked by an admin.",
  email_mismatch: "This invitation was sent to another email address than yours.",
  already_in_organization: "You are already in this organization.",
  invite_pending: "An invitation to this address is already pending.",
  limit_reached: "The edition's limit is reached.",
  limit_exceeded: "The new edition's limits are lower than what the organization uses.",
  not_available_on_edition: "The organization's edition does not have this.",
  last_admin: "An organization keeps at least one admin.",
  concurrency_conflict: "Someone changed this organization since the page was loaded.",
  already_exists: "That name is taken.",
  invalid_argument: "A value is not valid.",
  invalid_request: "The request was not understood.",
  unavailable: "The service is unavailable; nothing was changed. Try again.",
  not_caught_up: "The page is a moment behind; reload it.",
};

export function inWords(error) {
  const lead = words[error?.code] ?? "Something went wrong.";
  return error?.message ? `${lead} (${error.message})` : lead;
}

export function errorWords(code) {
  return words[code] ?? code;
}
