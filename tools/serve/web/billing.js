// Settings → Billing & usage: the Billing Managers and their pending
// invitations, the subscription, the credit card, the payments and the
// usage. What a viewer may see is what the views answer them (the server
// filters by role); the page draws what it got.
import { command, errorWords, inWords, view } from "./api.js";
import { day, defaultEditions, editionName, el, money, moment, show } from "./dom.js";

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export async function billingPage(session, org) {
  const state = { org, notice: null };
  const crumbs = el("p", { class: "crumbs" },
    el("a", { href: "/" }, org), " › Settings › ", el("span", { "aria-current": "page" }, "Billing & usage"));
  const body = el("div", { id: "billing-body" });
  show(crumbs, el("h1", {}, "Billing & usage"), body);

  async function load() {
    const bm = await view({ view: "billing_managers", org });
    if (!bm.ok) {
      if (bm.error.code === "forbidden") {
        body.replaceChildren(el("p", { id: "no-access", class: "notice" },
          `You don't have access to billing for ${org}. Billing & usage is for the organization's admins and Billing Managers.`));
      } else {
        body.replaceChildren(el("p", { class: "notice error" }, inWords(bm.error)));
      }
      return;
    }
    const billing = await view({ view: "billing", org });
    state.bm = bm;
    state.billing = billing.ok ? billing : null;
    state.admin = Array.isArray(bm.pending);
    draw(billing.ok ? null : billing.error);
  }

  function say(text, isError = false) {
    state.notice = { text, isError };
  }

  async function act(request, done) {
    const answer = await command({ org, ...request });
    if (answer.ok) {
      if (done) done(answer);
    } else {
      say(inWords(answer.error), true);
    }
    await load();
    return answer;
  }

  function draw(billingError) {
    const notice = state.notice
      ? el("p", { id: "billing-notice", class: state.notice.isError ? "notice error" : "notice", role: "alert" },
        state.notice.text)
      : null;
    state.notice = null;
    body.replaceChildren(
      notice ?? "",
      billingManagers(),
      ...(state.billing ? billingSections() : [el("p", { class: "notice error" }, inWords(billingError))]),
      removeDialog,
    );
    if (notice) notice.focus?.();
  }

  // ---- Billing Managers ----
  function limitFacts() {
    const limit = state.billing?.limits?.billing_managers;
    // Admins count pending invitations too (they take a place); a Billing
    // Manager sees the Billing Managers listed, no invitation.
    const used = state.admin && state.billing
      ? state.billing.billing_managers_used
      : state.bm.billing_managers.length;
    const edition = editionName(state.billing?.edition ?? "");
    if (limit === 0) {
      return { text: `Billing Managers are not available on the ${edition} edition.`, full: true,
        reason: `The ${edition} edition has no Billing Managers: change the subscription to invite one.` };
    }
    if (limit === null || limit === undefined) {
      return { text: `${plural(used, "Billing Manager")} (no limit on the ${edition} edition)`, full: false };
    }
    return {
      text: `${used} of ${plural(limit, "Billing Manager")} used`,
      full: used >= limit,
      reason: `The ${edition} edition allows ${plural(limit, "Billing Manager")}, pending invitations included. ` +
        "To invite another, remove a Billing Manager, revoke a pending invitation or change the subscription.",
    };
  }

  function inviteControls(limits) {
    const disabled = limits.full;
    const reason = disabled ? el("p", { id: "invite-disabled-reason", class: "muted" }, limits.reason) : null;
    const describedBy = disabled ? "invite-disabled-reason" : undefined;
    const email = el("input", {
      id: "invite-email", type: "email", required: true, placeholder: "name@example.com",
      disabled, "aria-describedby": describedBy,
    });
    const form = el("form", { class: "row", id: "invite-form" },
      el("label", { for: "invite-email" }, "Email address"), email,
      el("button", { type: "submit", class: "primary", disabled, "aria-describedby": describedBy },
        "Invite Billing Managers"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const address = email.value.trim();
      await act({ op: "invite_billing_manager", email: address },
        () => say(`Invitation sent to ${address}. They will receive an email to accept it.`));
    });
    const copy = el("button", { type: "button", id: "copy-link", disabled, "aria-describedby": describedBy },
      "Copy Billing Manager invite link");
    copy.addEventListener("click", async () => {
      await act({ op: "create_billing_manager_invite_link" }, async (answer) => {
        const url = answer.url ??
          `${location.origin}/orgs/${encodeURIComponent(org)}/join#token=${answer.token}`;
        state.link = url;
        let copied = true;
        try {
          await navigator.clipboard.writeText(url);
        } catch {
          copied = false;
        }
        say((copied ? "Billing Manager invite link copied to the clipboard. " : "Copy this Billing Manager invite link: ") +
          "It works once and never expires; whoever opens it first joins as a Billing Manager.");
      });
    });
    const link = state.link
      ? el("label", { class: "row" }, "Invite link",
        el("input", { id: "invite-link", readonly: true, value: state.link, size: 60 }))
      : null;
    state.link = null;
    return [form, el("div", { class: "row" }, copy), link, reason];
  }

  function billingManagers() {
    const limits = limitFacts();
    const admin = state.admin;
    const head = admin
      ? el("tr", {}, el("th", {}, "Name"), el("th", {}, "Email"), el("th", {}, "Accepted"),
        el("th", {}, el("span", { class: "muted" }, "Actions")))
      : el("tr", {}, el("th", {}, "Name"));
    const rows = state.bm.billing_managers.map((b) => admin
      ? el("tr", {}, el("td", {}, b.name), el("td", {}, b.email), el("td", {}, day(b.accepted_at)),
        el("td", {}, moreActions(b)))
      : el("tr", {}, el("td", {}, b.name)));
    const table = rows.length
      ? el("table", { id: "billing-managers", "aria-label": "Billing Managers" }, el("thead", {}, head), el("tbody", {}, rows))
      : el("p", { class: "muted" }, "No Billing Managers yet.");
    return el("section", { "aria-labelledby": "bm-heading" },
      el("h2", { id: "bm-heading" }, "Billing Managers"),
      el("p", { id: "bm-limit" }, limits.text),
      admin ? inviteControls(limits) : el("p", { class: "muted" },
        "Admins invite and remove Billing Managers. You see the other Billing Managers' names only."),
      table,
      admin ? pendingInvites() : null);
  }

  function moreActions(b) {
    const menu = el("ul", { class: "menu", role: "menu", hidden: true });
    const toggle = el("button", {
      type: "button", "aria-label": `More actions for ${b.name}`, "aria-haspopup": "menu", "aria-expanded": "false",
    }, "…");
    const close = () => {
      menu.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    };
    const remove = el("button", { type: "button", role: "menuitem", class: "danger" }, "Remove Billing Manager");
    remove.addEventListener("click", () => {
      close();
      confirmRemoval(b);
    });
    menu.append(el("li", { role: "none" }, remove));
    toggle.addEventListener("click", () => {
      menu.hidden = !menu.hidden;
      toggle.setAttribute("aria-expanded", String(!menu.hidden));
      if (!menu.hidden) remove.focus();
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        close();
        toggle.focus();
      }
    });
    return el("span", { class: "menu-wrap" }, toggle, menu);
  }

  // The confirmation dialog, one for the page.
  const removeText = el("p", { id: "remove-text" });
  const removeConfirm = el("button", { type: "button", class: "danger primary" }, "Remove Billing Manager");
  const removeCancel = el("button", { type: "button" }, "Cancel");
  const removeDialog = el("dialog", { id: "remove-dialog", "aria-labelledby": "remove-title", "aria-describedby": "remove-text" },
    el("h3", { id: "remove-title" }, "Remove Billing Manager"), removeText,
    el("div", { class: "row" }, removeCancel, removeConfirm));
  removeCancel.addEventListener("click", () => removeDialog.close());
  let removing = null;
  function confirmRemoval(b) {
    removing = { user_id: b.user_id, name: b.name, version: state.bm.version };
    removeText.textContent =
      `Remove ${b.name} (${b.email}) as a Billing Manager of ${org}? They lose access to its billing at once.`;
    removeDialog.showModal();
    removeCancel.focus();
  }
  removeConfirm.addEventListener("click", async () => {
    removeDialog.close();
    const { user_id, name, version } = removing;
    const answer = await command({ op: "remove_billing_manager", org, user_id, expected_version: version });
    if (answer.ok) {
      say(`${name} is no longer a Billing Manager.`);
    } else if (answer.error.code === "concurrency_conflict") {
      say("Someone changed this organization since the page was loaded: nothing was removed, and the table below is refreshed. Check it and try again.", true);
    } else {
      say(inWords(answer.error), true);
    }
    await load();
  });

  function pendingStatus(p) {
    if (p.email_error) {
      return `The invitation email could not be delivered (${moment(p.email_error.at)}): ${p.email_error.reason}`;
    }
    if (p.last_error) {
      return `An acceptance failed (${moment(p.last_error.at)}, by ${p.last_error.actor_email}): ${errorWords(p.last_error.code)}`;
    }
    return "Pending";
  }

  function pendingInvites() {
    const rows = state.bm.pending.map((p) => {
      const resend = p.channel === "email"
        ? el("button", { type: "button", onclick: () => act({ op: "resend_invite", invite_id: p.invite_id },
          () => say(`Invitation sent again to ${p.email}.`)) }, "Resend invite")
        : null;
      const revoke = el("button", { type: "button", class: "danger", onclick: () => act(
        { op: "revoke_invite", invite_id: p.invite_id }, () => say("Invitation revoked.")) }, "Revoke invite");
      return el("tr", { "data-invite": p.invite_id },
        el("td", {}, p.channel === "email" ? p.email : `Invite link (created ${day(p.first_sent_at)})`),
        el("td", {}, day(p.sent_at)),
        el("td", { class: p.email_error || p.last_error ? "error" : "" }, pendingStatus(p)),
        el("td", {}, el("span", { class: "row" }, resend, revoke)));
    });
    return [
      el("h3", { id: "pending-heading" }, "Pending Billing Manager invitations"),
      rows.length
        ? el("table", { id: "pending-invites", "aria-labelledby": "pending-heading" },
          el("thead", {}, el("tr", {}, el("th", {}, "Invitee"), el("th", {}, "Sent"),
            el("th", {}, "Invitation status"), el("th", {}, el("span", { class: "muted" }, "Actions")))),
          el("tbody", {}, rows))
        : el("p", { class: "muted" }, "No pending invitations."),
    ];
  }

  // ---- Billing ----
  function billingSections() {
    const b = state.billing;
    return [subscription(b), creditCard(b), payments(b), usage(b)];
  }

  function subscription(b) {
    const editions = defaultEditions.includes(b.edition) ? defaultEditions : [b.edition, ...defaultEditions];
    const select = el("select", { id: "edition" },
      editions.map((e) => el("option", { value: e, selected: e === b.edition }, editionName(e))));
    const form = el("form", { class: "row" },
      el("label", { for: "edition" }, "Edition"), select,
      el("button", { type: "submit" }, "Change subscription"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act({ op: "change_subscription", edition: select.value },
        () => say(`The subscription is now ${editionName(select.value)}.`));
    });
    const limits = b.limits ?? {};
    return el("section", { "aria-labelledby": "sub-heading" },
      el("h2", { id: "sub-heading" }, "Subscription"),
      el("dl", { class: "facts" },
        el("dt", {}, "Edition"), el("dd", { id: "current-edition" }, editionName(b.edition)),
        el("dt", {}, "Members"), el("dd", {}, limits.members === null ? "unlimited" : String(limits.members ?? "")),
        el("dt", {}, "Billing Managers"),
        el("dd", {}, limits.billing_managers === null ? "unlimited" : String(limits.billing_managers ?? ""))),
      form);
  }

  function creditCard(b) {
    const c = b.credit_card;
    const facts = c
      ? el("dl", { class: "facts", id: "card" },
        el("dt", {}, "Card"), el("dd", {}, `${c.brand} ending in ${c.last4}`),
        el("dt", {}, "Expires"), el("dd", {}, `${String(c.exp_month).padStart(2, "0")}/${c.exp_year}`),
        el("dt", {}, "Holder"), el("dd", {}, c.holder_name))
      : el("p", { class: "muted", id: "card" }, "No credit card on file.");
    const field = (id, label, attrs = {}) => {
      const input = el("input", { id, required: true, ...attrs });
      return [input, el("label", { class: attrs.wide ? "wide" : "" }, label, input)];
    };
    const [token, tokenLabel] = field("card-token", "Processor token", { wide: true, placeholder: "tok_…" });
    const [brand, brandLabel] = field("card-brand", "Brand", { placeholder: "visa" });
    const [last4, last4Label] = field("card-last4", "Last 4 digits", { inputmode: "numeric", maxlength: 4, pattern: "[0-9]{4}" });
    const [month, monthLabel] = field("card-exp-month", "Expiry month", { type: "number", min: 1, max: 12 });
    const [year, yearLabel] = field("card-exp-year", "Expiry year", { type: "number", min: 2000, max: 9999 });
    const [holder, holderLabel] = field("card-holder", "Holder name", { wide: true });
    const form = el("form", { class: "card-form", "aria-describedby": "card-why" },
      tokenLabel, brandLabel, last4Label, monthLabel, yearLabel, holderLabel,
      el("div", { class: "wide" }, el("button", { type: "submit" }, "Update credit card")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act({
        op: "update_credit_card",
        card: {
          processor_token: token.value.trim(), brand: brand.value.trim(), last4: last4.value.trim(),
          exp_month: Number(month.value), exp_year: Number(year.value), holder_name: holder.value.trim(),
        },
      }, () => say("The credit card is updated."));
    });
    return el("section", { "aria-labelledby": "card-heading" },
      el("h2", { id: "card-heading" }, "Credit card"), facts,
      el("p", { id: "card-why", class: "muted" },
        "Card numbers never reach this server: your payment processor's form takes the card and returns a token, " +
        "with the brand, last 4 digits, expiry and holder. Enter what it returned."),
      form);
  }

  function payments(b) {
    const rows = b.payments.map((p) => el("tr", {},
      el("td", {}, day(p.paid_at)), el("td", {}, money(p.amount_cents, p.currency)),
      el("td", {}, p.status), el("td", {}, p.payment_id)));
    return el("section", { "aria-labelledby": "payments-heading" },
      el("h2", { id: "payments-heading" }, "Payments"),
      rows.length
        ? el("table", { "aria-labelledby": "payments-heading" },
          el("thead", {}, el("tr", {}, el("th", {}, "Date"), el("th", {}, "Amount"), el("th", {}, "Status"),
            el("th", {}, "Payment"))), el("tbody", {}, rows))
        : el("p", { class: "muted" }, "No payments yet."));
  }

  function usage(b) {
    const r = b.rum ?? {};
    const number = (n) => (n === undefined || n === null ? "" : Number(n).toLocaleString("en", { maximumFractionDigits: 2 }));
    return el("section", { "aria-labelledby": "usage-heading" },
      el("h2", { id: "usage-heading" }, "Usage"),
      el("dl", { class: "facts" },
        el("dt", {}, "Member count"), el("dd", { id: "member-count" }, String(b.member_count)),
        el("dt", {}, "Resources under management"),
        el("dd", { id: "rum" },
          `${r.month ?? ""}: ${number(r.current)} now, peak ${number(r.peak)}, average ${number(r.average)} ` +
          `(${number(r.resource_hours)} resource-hours)`)),
      el("p", { class: "muted" }, "Billing Managers and pending invitations are not in the member count."));
  }

  await load();
}
