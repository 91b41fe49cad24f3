// Building the page: every value a person or the server gave is set as
// text (textContent), never parsed as markup.

// An element: el("button", {class: "primary", onclick: f}, "Text", child).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children.flat());
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("en", {
  dateStyle: "medium", timeStyle: "short", timeZone: "UTC",
});

// "Dec 3, 2026" for an RFC 3339 time of the API.
export function day(time) {
  return time ? dateFormat.format(new Date(time)) : "";
}

// "Dec 3, 2026, 10:15 AM UTC".
export function moment(time) {
  return time ? timeFormat.format(new Date(time)) + " UTC" : "";
}

export function money(cents, currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

const editionNames = {
  individual: "Individual", team: "Team", enterprise: "Enterprise",
  business_critical: "Business Critical",
};
export function editionName(edition) {
  return editionNames[edition] ?? edition;
}
export const defaultEditions = Object.keys(editionNames);

const roleNames = { admin: "Admin", member: "Member", billing_manager: "Billing Manager" };
export function roleName(role) {
  return roleNames[role] ?? role;
}
