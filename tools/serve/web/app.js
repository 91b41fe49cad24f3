// The pages' entry: who is signed in (shown on every page), then the page
// the path names. Each page is its own module.
import { loadSession, signOut } from "./api.js";
import { el, show } from "./dom.js";
import { homePage } from "./home.js";
import { signInPage } from "./signin.js";
import { billingPage } from "./billing.js";
import { acceptPage } from "./accept.js";

function header(session) {
  const who = document.getElementById("who");
  if (session.signed_in) {
    const { name, email } = session.signed_in;
    who.replaceChildren(
      el("span", { id: "signed-in-as" }, "Signed in as ", el("strong", {}, name), ` (${email})`),
      el("button", {
        type: "button",
        onclick: async () => {
          await signOut();
          location.assign("/signin");
        },
      }, "Sign out"),
    );
  } else {
    who.replaceChildren(el("span", {}, "Not signed in"));
  }
  if (session.dev_login) {
    const banner = document.getElementById("dev-banner");
    banner.hidden = false;
    banner.textContent =
      "Development sign-in: anyone can sign in as anyone here. Never start a production server with --dev-login.";
  }
}

// Where a page sends someone to sign in, coming back to it after.
export function signInLink() {
  const next = location.pathname + location.search + location.hash;
  return "/signin?next=" + encodeURIComponent(next);
}

async function main() {
  const session = await loadSession();
  header(session);
  const path = location.pathname;
  if (path === "/signin") return signInPage(session);
  if (!session.signed_in) {
    return show(
      el("h1", {}, "Sign in"),
      el("p", {}, session.why ?? "You are not signed in."),
      session.dev_login ? el("p", {}, el("a", { href: signInLink() }, "Sign in")) : null,
    );
  }
  const parts = path.split("/").map(decodeURIComponent);
  if (path === "/") return homePage(session);
  if (parts[1] === "orgs" && parts[3] === "settings" && parts[4] === "billing") {
    return billingPage(session, parts[2]);
  }
  if (parts[1] === "orgs" && parts[3] === "invites") {
    return acceptPage(session, parts[2], { invite_id: parts[4] });
  }
  if (parts[1] === "orgs" && parts[3] === "join") {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    return acceptPage(session, parts[2], token ? { token } : null);
  }
  show(el("h1", {}, "Not found"), el("p", {}, el("a", { href: "/" }, "Your organizations")));
}

main();
