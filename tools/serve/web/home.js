// Home: the signed-in person's organizations with their role, and a form
// to create one.
import { command, inWords } from "./api.js";
import { defaultEditions, editionName, el, roleName, show } from "./dom.js";

export function homePage(session) {
  const rows = session.organizations.map(({ org, role }) =>
    el("tr", {},
      el("td", {}, el("a", { href: `/orgs/${encodeURIComponent(org)}/settings/billing` }, org)),
      el("td", {}, roleName(role))));
  const list = rows.length
    ? el("table", { "aria-label": "Your organizations" },
      el("thead", {}, el("tr", {}, el("th", {}, "Organization"), el("th", {}, "Your role"))),
      el("tbody", {}, rows))
    : el("p", { class: "muted" }, "You are not in any organization yet.");
  const name = el("input", { id: "new-org", required: true, placeholder: "acme" });
  const edition = el("select", { id: "new-org-edition" },
    defaultEditions.map((e) => el("option", { value: e, selected: e === "team" }, editionName(e))));
  const status = el("p", { role: "alert" });
  const form = el("form", { class: "stack" },
    el("label", {}, "Organization name (letters, digits, '.', '_' and '-')", name),
    el("label", {}, "Edition", edition),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, "Create organization")),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await command({ op: "create_organization", org: name.value.trim(), edition: edition.value });
    if (!answer.ok) {
      status.className = "error";
      status.textContent = inWords(answer.error);
      return;
    }
    location.assign(`/orgs/${encodeURIComponent(name.value.trim())}/settings/billing`);
  });
  show(el("h1", {}, "Your organizations"), list, el("h2", {}, "Create an organization"), form);
}
