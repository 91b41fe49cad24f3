// The development sign-in (--dev-login): one types who one is.
import { signIn } from "./api.js";
import { el, show } from "./dom.js";

// Only a path of this server: never a redirect elsewhere.
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function signInPage(session) {
  if (!session.dev_login) {
    return show(
      el("h1", {}, "Sign in"),
      el("p", {}, session.signed_in
        ? "You are signed in through your organization's sign-in."
        : session.why ?? "This server has no sign-in form."),
    );
  }
  const status = el("p", { id: "signin-status", role: "alert" });
  const id = el("input", { id: "signin-id", name: "id", required: true, autocomplete: "username" });
  const email = el("input", { id: "signin-email", name: "email", type: "email", required: true });
  const name = el("input", { id: "signin-name", name: "name", required: true });
  const form = el("form", { class: "stack", novalidate: true },
    el("label", {}, "User id", id),
    el("label", {}, "Email", email),
    el("label", {}, "Name", name),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, "Sign in")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await signIn({ id: id.value.trim(), email: email.value, name: name.value.trim() });
    if (!answer.ok) {
      status.className = "error";
      status.textContent = answer.error.message;
      return;
    }
    location.assign(nextPath());
  });
  show(
    el("h1", {}, "Sign in (development)"),
    el("p", { class: "muted" },
      "This sign-in is for development only: the server believes whoever you type. In production people sign in through an authenticating proxy."),
    form,
  );
  id.focus();
}
