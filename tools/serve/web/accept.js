// Accepting an invitation: by its id (an email's page) or by a link's
// token (in the fragment: never sent in a request line).
import { command, inWords } from "./api.js";
import { el, show } from "./dom.js";

export function acceptPage(session, org, how) {
  if (!how) {
    return show(el("h1", {}, "Invitation"),
      el("p", { class: "error" }, "This link has no invitation token: copy the whole link."));
  }
  const result = el("div", { id: "accept-result", role: "status" });
  const button = el("button", { type: "button", class: "primary" }, "Accept invitation");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const answer = await command({ op: "accept_invite", org, ...how });
    if (answer.ok) {
      result.replaceChildren(el("p", { class: "notice" },
        `You joined ${org}. `,
        el("a", { href: `/orgs/${encodeURIComponent(org)}/settings/billing` }, "Go to Billing & usage")));
      button.hidden = true;
    } else {
      result.replaceChildren(el("p", { class: "notice error" }, inWords(answer.error)));
      button.disabled = false;
    }
  });
  const { name, email } = session.signed_in;
  show(
    el("h1", {}, `Invitation to ${org}`),
    el("p", {}, `You are signed in as ${name} (${email}). The invitation is accepted for this account.`),
    el("div", { class: "row" }, button),
    result,
  );
}
