// Lifeline review console: a single page over the gateway's REST API. Plain JavaScript, no build
// step. Every value from the API is put into the page as text (never as HTML).
"use strict";

(function () {
  const TOKEN_KEY = "lifeline.token";
  const LANG_KEY = "lifeline.lang";
  let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";

  function t(key) {
    const texts = window.LIFELINE_TEXTS[lang] || {};
    return Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
  }

  // el("tr", {class: "x", onclick: f}, child, "text", ...): children are nodes or text.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const options = { method, headers: { Authorization: "Bearer " + token() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const text = await response.text();
    let json = {};
    try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { message: text }; }
    if (!response.ok) throw new ApiError(response.status, json.message || response.statusText);
    return json;
  }

  function notice(kind, message) {
    const box = document.getElementById("notice");
    box.hidden = !message;
    box.className = kind;
    box.textContent = message || "";
  }

  function showError(error) {
    if (error instanceof ApiError && error.status === 401) {
      notice("error", t("unauthenticated"));
    } else if (error instanceof ApiError && error.status === 403) {
      notice("error", t("forbidden") + " (" + error.message + ")");
    } else {
      notice("error", t("error") + (error.message || String(error)));
    }
  }

  const yuan = (fen) => (Number(fen || 0) / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2 });
  const main = () => document.getElementById("main");

  function table(headers, rows, testid) {
    return el("table", { "data-testid": testid },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, t(h))))),
      el("tbody", {}, rows));
  }

  function tags(values) {
    if (!values || values.length === 0) return el("span", { class: "muted" }, t("none"));
    return values.map((v) => el("span", { class: "tag" }, t(v)));
  }

  function page(title, ...content) {
    main().replaceChildren(el("h1", {}, t(title)), ...content);
  }

  // --- navigation -------------------------------------------------------------------------

  // What the token may open, found by asking (the API is the only judge of roles).
  let areas = null;
  async function probeAreas() {
    const tries = [
      ["clues", "/v1/clues?page_size=1"],
      ["matches", "/v1/possible-matches?page_size=1"],
      ["inbox", "/v1/referrals?page_size=1"],
      ["audit", "/v1/audit?page_size=1"],
      ["undeliverable", "/v1/referrals:undeliverable?page_size=1"],
    ];
    const found = [];
    for (const [area, path] of tries) {
      try {
        await api("GET", path);
        found.push(area);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
      }
    }
    // Procurators read referrals through plans; the inbox is the departments' page.
    if (found.includes("clues")) return found.filter((a) => a !== "inbox");
    return found;
  }

  function renderNav() {
    const nav = document.getElementById("nav");
    const current = location.hash.split("/")[1] || "";
    nav.replaceChildren(...(areas || []).map((area) =>
      el("a", { href: "#/" + area, class: current === area ? "active" : null, "data-testid": "nav-" + area },
        t("nav_" + area))));
    document.getElementById("logout").hidden = !token();
    document.getElementById("lang").textContent = lang === "zh" ? "English" : "中文";
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("brand");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  }

  // --- pages ------------------------------------------------------------------------------

  function loginPage() {
    const input = el("input", { type: "password", id: "token", autocomplete: "off", "data-testid": "token" });
    const form = el("form", { class: "card login", "data-testid": "login-form", onsubmit: async (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      try {
        areas = await probeAreas();
        notice("", "");
        location.hash = areas.length ? "#/" + areas[0] : "#/login";
        if (!areas.length) notice("error", t("forbidden"));
        renderNav();
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        showError(e);
      }
    } },
      el("p", {}, t("login_hint")),
      el("label", {}, t("token"), input),
      el("p", {}, el("button", { type: "submit", "data-testid": "sign-in" }, t("sign_in"))));
    page("login_title", form);
  }

  function select(name, values, current) {
    return el("select", { name, "data-testid": "filter-" + name },
      el("option", { value: "" }, t("any")),
      values.map((v) => el("option", { value: v, selected: v === current }, t(v))));
  }

  async function cluesPage(params) {
    const query = new URLSearchParams(params);
    const filters = el("form", { class: "filters", onsubmit: (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [k, v] of new FormData(event.target)) if (v) next.set(k, v);
      location.hash = "#/clues?" + next.toString();
    } },
      el("label", {}, t("filter_status"), select("status", ["CLUE_STATUS_PENDING_REVIEW",
        "CLUE_STATUS_MORE_INFO_REQUESTED", "CLUE_STATUS_APPROVED", "CLUE_STATUS_REJECTED",
        "CLUE_STATUS_EXCLUDED"], query.get("status"))),
      el("label", {}, t("filter_tier"), select("tier", ["CLUE_TIER_HIGH", "CLUE_TIER_MEDIUM",
        "CLUE_TIER_LOW"], query.get("tier"))),
      el("label", {}, t("filter_category"), select("category", ["CATEGORY_SERIOUS_INJURY",
        "CATEGORY_URGENT_TREATMENT", "CATEGORY_DEPENDANT_OF_DECEASED", "CATEGORY_PROPERTY_LOSS",
        "CATEGORY_CIVIL_TORT"], query.get("category"))),
      el("label", {}, t("filter_region"), el("input", { name: "region", value: query.get("region") || "",
        size: 8, "data-testid": "filter-region" })),
      el("button", { type: "submit", "data-testid": "apply-filters" }, t("apply")));
    page("clues_title", filters, el("p", { class: "muted" }, t("loading")));
    const request = new URLSearchParams(query);
    request.set("order", "CLUE_ORDER_SCORE");
    request.set("page_size", "50");
    const data = await api("GET", "/v1/clues?" + request.toString());
    const clues = data.clues || [];
    const rows = clues.map((c) => el("tr", { class: "clickable", "data-testid": "clue-row",
      "data-clue-id": c.clueId, onclick: () => { location.hash = "#/clues/" + encodeURIComponent(c.clueId); } },
      el("td", {}, c.personName || ""), el("td", {}, c.personIdMasked || ""),
      el("td", {}, t(c.category)), el("td", {}, c.caseNumber || ""),
      el("td", {}, (c.score || 0).toFixed(1)),
      el("td", {}, el("span", { class: "tag tier-" + c.tier }, t(c.tier))),
      el("td", {}, c.regionCode || ""), el("td", {}, t(c.status)),
      el("td", {}, c.suggestedAmount ? yuan(c.suggestedAmount.pointFen) : "")));
    page("clues_title", filters, clues.length
      ? table(["col_person", "col_id", "col_category", "col_case", "col_score", "col_tier", "col_region",
        "col_status", "col_amount"], rows, "clue-table")
      : el("p", { "data-testid": "no-clues" }, t("no_clues")));
  }

  function grid(pairs) {
    return el("div", { class: "grid" }, pairs.map(([k, v]) => [el("div", { class: "k" }, t(k)), el("div", {}, v)]));
  }

  // The person's records and why each was linked to the others (match-service keeps the reason,
  // the record it was linked to, the weight and the field comparisons).
  async function explainLinks(clue, box) {
    box.replaceChildren(el("p", { class: "muted" }, t("loading")));
    const person = await api("GET", "/v1/persons/" + encodeURIComponent(clue.personId));
    const rows = (person.records || []).map((r) => el("tr", { "data-testid": "link-row" },
      el("td", {}, r.agency + ":" + r.sourceRecordId), el("td", {}, r.kind || ""),
      el("td", {}, r.linkedTo || ""), el("td", {}, r.linkReason || ""),
      el("td", {}, r.linkWeight !== undefined ? Number(r.linkWeight).toFixed(2) : ""),
      el("td", {}, (r.comparison || []).map((f) => el("span", { class: "tag" }, f.field + " " + f.level)))));
    box.replaceChildren(rows.length
      ? table(["ev_record", "kind", "linked_to", "link_reason", "link_weight", "ev_field"], rows, "link-table")
      : el("p", { class: "muted" }, t("none")));
  }

  async function review(clueId, body) {
    try {
      await api("POST", "/v1/clues/" + encodeURIComponent(clueId) + ":review", body);
      // The page shows the new state before it says so.
      await cluePage(clueId);
      notice("info", t("saved"));
    } catch (e) {
      showError(e);
    }
  }

  // Verification requests of a clue, from referral-service; the clue page still shows when that
  // service cannot answer (the section says so).
  async function clueVerifications(clueId) {
    try {
      const data = await api("GET", "/v1/verifications?clue_id=" + encodeURIComponent(clueId));
      return data.verifications || [];
    } catch (e) {
      return null;
    }
  }

  function attachmentText(a) {
    return (a.name || "") + " (" + (a.contentType || "") + ", " + (a.sizeBytes || 0) + " B, sha256 " +
      (a.sha256 || "").slice(0, 12) + "…)";
  }

  function verificationRow(v, actions) {
    return el("tr", { class: v.overdue ? "overdue" : null, "data-testid": "verification-row",
      "data-verification-id": v.verificationId, "data-state": v.state },
      el("td", {}, v.department), el("td", {}, v.question || ""),
      el("td", { "data-testid": "verification-state" }, t(v.state),
        v.escalatedTime && v.overdue ? el("span", { class: "overdue-tag", "data-testid": "escalation-tag" },
          t("escalated")) : v.overdue ? el("span", { class: "overdue-tag" }, t("overdue")) : null),
      el("td", {}, v.respondBy || ""),
      el("td", { "data-testid": "verification-answer" }, v.answerNote || "",
        (v.attachments || []).map((a) => el("div", { class: "muted" }, attachmentText(a))),
        v.answeredBy ? el("div", { class: "muted" }, (v.answeredTime || "") + " " + v.answeredBy) : null),
      actions ? el("td", {}, actions) : null);
  }

  // Asks a town or village office to confirm a fact about the clue's person.
  function verificationForm(c) {
    const office = el("input", { "data-testid": "verification-department", list: "offices",
      placeholder: "village_committee" });
    const offices = el("datalist", { id: "offices" },
      ["village_committee", "town_government", "civil_affairs", "rural_revitalization"].map((d) =>
        el("option", { value: d })));
    const question = el("input", { "data-testid": "verification-question", placeholder: t("question") });
    return el("div", { class: "actions" }, offices,
      el("label", {}, t("office"), office), el("label", {}, t("question"), question),
      el("button", { type: "button", class: "secondary", "data-testid": "request-verification", onclick: () =>
        api("POST", "/v1/clues/" + encodeURIComponent(c.clueId) + "/verifications", {
          department: office.value.trim(), question: question.value,
          person: { personId: c.personId, name: c.personName, idMasked: c.personIdMasked,
            regionCode: c.regionCode },
        }).then(() => { notice("ok", t("verification_sent")); return cluePage(c.clueId); }).catch(showError) },
      t("request_verification")));
  }

  async function cluePage(clueId) {
    const c = await api("GET", "/v1/clues/" + encodeURIComponent(clueId));
    const verifications = await clueVerifications(clueId);
    const evidence = (c.evidence || []).map((e) => el("tr", {},
      el("td", {}, e.agency), el("td", {}, e.sourceRecordId), el("td", {}, e.field),
      el("td", {}, e.value), el("td", {}, e.date || "")));
    const linkBox = el("div", { "data-testid": "links" });
    const amount = el("input", { type: "number", min: "0", step: "0.01", "data-testid": "approve-amount",
      value: c.suggestedAmount ? (Number(c.suggestedAmount.pointFen) / 100).toFixed(2) : "" });
    const approveReason = el("input", { "data-testid": "approve-reason" });
    const rejectCode = el("select", { "data-testid": "reject-reason" },
      ["REJECT_REASON_NOT_ELIGIBLE", "REJECT_REASON_COMPENSATED", "REJECT_REASON_ALREADY_ASSISTED",
        "REJECT_REASON_NO_HARDSHIP", "REJECT_REASON_MAJOR_FAULT", "REJECT_REASON_CLAIM_WAIVED",
        "REJECT_REASON_NOT_COOPERATING", "REJECT_REASON_FALSE_EVIDENCE", "REJECT_REASON_DECLINED",
        "REJECT_REASON_OTHER"].map((r) => el("option", { value: r }, t(r))));
    const rejectNote = el("input", { "data-testid": "reject-note" });
    const infoNote = el("input", { "data-testid": "info-note" });
    const open = c.status === "CLUE_STATUS_PENDING_REVIEW" || c.status === "CLUE_STATUS_MORE_INFO_REQUESTED";
    const decisions = el("section", { class: "card" }, el("h2", {}, t("decide")),
      el("div", { class: "actions" },
        el("label", {}, t("amount_yuan"), amount), el("label", {}, t("reason"), approveReason),
        el("button", { type: "button", disabled: !open, "data-testid": "approve", onclick: () =>
          review(clueId, { decision: "DECISION_APPROVE", amountFen: String(Math.round(Number(amount.value) * 100)),
            reason: approveReason.value }) }, t("approve"))),
      el("div", { class: "actions" },
        el("label", {}, t("reject_reason"), rejectCode), el("label", {}, t("reason"), rejectNote),
        el("button", { type: "button", class: "danger", disabled: !open, "data-testid": "reject", onclick: () =>
          review(clueId, { decision: "DECISION_REJECT", rejectReason: rejectCode.value, reason: rejectNote.value }) },
        t("reject"))),
      el("div", { class: "actions" },
        el("label", {}, t("reason"), infoNote),
        el("button", { type: "button", class: "secondary", disabled: c.status !== "CLUE_STATUS_PENDING_REVIEW",
          "data-testid": "request-info", onclick: () => review(clueId, { decision: "DECISION_REQUEST_INFO",
            reason: infoNote.value }) }, t("request_info")),
        el("button", { type: "button", class: "secondary", disabled: c.status !== "CLUE_STATUS_MORE_INFO_REQUESTED",
          "data-testid": "info-received", onclick: () => review(clueId, { decision: "DECISION_INFO_RECEIVED",
            reason: infoNote.value }) }, t("info_received"))));
    page("clue_title",
      el("section", { class: "card", "data-testid": "clue-detail", "data-clue-id": c.clueId }, grid([
        ["person", el("span", { "data-testid": "clue-person" }, c.personName || "")],
        ["id_masked", c.personIdMasked || ""],
        ["col_category", t(c.category)], ["case_number", c.caseNumber || ""],
        ["score", (c.score || 0).toFixed(1) + " · " + t(c.tier)], ["col_region", c.regionCode || ""],
        ["col_status", el("span", { "data-testid": "clue-status" }, t(c.status))],
        ["suggested", c.suggestedAmount ? yuan(c.suggestedAmount.pointFen) + " (" + yuan(c.suggestedAmount.minFen) +
          " – " + yuan(c.suggestedAmount.maxFen) + ")" : t("none")],
        ["hardship", tags(c.hardshipSignals)], ["exclusions", tags(c.exclusions)],
        ["possible_exclusions", tags(c.possibleExclusions)],
        ["questions", (c.questions || []).map((q) => el("div", {}, q.text))],
        ["plan", c.planId ? el("a", { href: "#/plans/" + encodeURIComponent(c.planId), "data-testid": "open-plan" },
          t("open_plan") + " " + c.planId) : t("none")],
      ])),
      decisions,
      el("section", { class: "card" }, el("h2", {}, t("evidence")),
        table(["ev_agency", "ev_record", "ev_field", "ev_value", "ev_date"], evidence, "evidence-table")),
      el("section", { class: "card", "data-testid": "verifications" }, el("h2", {}, t("verifications")),
        verifications === null ? el("p", { class: "muted" }, t("verifications_unavailable")) :
          verifications.length ? table(["office", "question", "state", "respond_by", "answer"],
            verifications.map((v) => verificationRow(v, null)), "verification-table") : el("p", {}, t("none")),
        verificationForm(c)),
      el("section", { class: "card" }, el("h2", {}, t("links")),
        el("button", { type: "button", class: "secondary", "data-testid": "explain",
          onclick: () => explainLinks(c, linkBox).catch(showError) }, t("explain")), linkBox),
      el("section", { class: "card" }, el("h2", {}, t("family")),
        (c.family || []).map((f) => el("div", {}, (f.personName || "") + " " + (f.personIdMasked || "") + " · " +
          (f.relations || []).join(", ")))),
      el("section", { class: "card" }, el("h2", {}, t("reviews")),
        (c.reviews || []).map((r) => el("div", {}, (r.reviewTime || "") + " " + (r.reviewer || "") + " " +
          t(r.decision) + (r.amountFen ? " " + yuan(r.amountFen) : "") + (r.rejectReason ? " " + t(r.rejectReason) : "") +
          (r.reason ? " — " + r.reason : "")))),
      el("section", { class: "card" }, el("h2", {}, t("history")),
        (c.history || []).map((h) => el("div", { "data-testid": "clue-event" },
          (h.time || "") + " " + (h.actor || "") + " " + historyKind(h.kind) + " " + (h.detail || "")))));
  }

  // A history step's kind as shown: verification steps in the console's language, the others as
  // match-service names them.
  const verificationKinds = ["verification_requested", "verification_overdue", "verification_answered"];
  function historyKind(kind) {
    return verificationKinds.includes(kind) ? t(kind) : (kind || "");
  }

  // The current stage's deadline, as referral-service computed it on the working-day calendar.
  function stageDeadline(r) {
    const d = r.deadlines || {};
    const stage = (r.escalation && r.escalation.stage) || "";
    if (stage === "DEADLINE_STAGE_PROGRESS") return d.progress || "";
    if (stage === "DEADLINE_STAGE_COMPLETE") return d.complete || "";
    if (stage === "DEADLINE_STAGE_ACCEPT") return d.accept || r.respondBy || "";
    return "";
  }

  // How far the current stage is escalated (referral-service's scan decides; 0 on time).
  function escalationLevel(r) {
    return (r.escalation && r.escalation.level) || 0;
  }

  // Who acted: the department and the person acting for it ("legal_aid · desk-1"), or the person.
  function actorText(h) {
    if (h.actorDepartment && h.actor) return h.actorDepartment + " · " + h.actor;
    return h.actorDepartment || h.actor || "";
  }

  function referralRow(r, actions) {
    const level = escalationLevel(r);
    const undeliverable = r.delivery && r.delivery.undeliverable;
    return el("tr", { class: level > 0 || undeliverable ? "overdue" : null, "data-testid": "referral-row",
      "data-referral-id": r.referralId, "data-state": r.state, "data-escalation": String(level) },
      el("td", {}, r.department, r.reroutedFrom ? el("div", { class: "muted" }, t("rerouted_from") + " " + r.reroutedFrom) : null),
      el("td", {}, r.service || ""),
      el("td", { "data-testid": "referral-state" }, t(r.state) + (r.outcome ? " · " + t(r.outcome) : "")),
      el("td", {}, stageDeadline(r) + " ",
        level > 0 ? el("span", { class: "overdue-tag", "data-testid": "escalation-tag" },
          t(level > 1 ? "reroute_proposed" : "escalated")) : null,
        undeliverable ? el("span", { class: "overdue-tag", "data-testid": "undeliverable-tag" },
          t("undeliverable")) : null),
      el("td", {}, (r.history || []).map((h) => el("div", { class: "muted", "data-testid": "referral-event" },
        (h.time || "") + " " + actorText(h) + " " +
        (h.kind && h.kind !== "REFERRAL_EVENT_KIND_TRANSITION" ? t(h.kind) : t(h.toState)) +
        (h.note ? " — " + h.note : "")))),
      actions ? el("td", {}, actions) : null);
  }

  async function planPage(planId) {
    const p = await api("GET", "/v1/plans/" + encodeURIComponent(planId));
    page("plan_title",
      el("section", { class: "card", "data-testid": "plan" }, grid([
        ["person", (p.person && (p.person.name || p.person.displayName)) || ""],
        ["case_number", p.caseNumber || ""],
        ["assistance", el("span", { "data-testid": "plan-amount" }, yuan(p.assistanceAmountFen))],
        ["state", t(p.state)],
        ["outcomes", el("span", { "data-testid": "plan-outcomes" }, (p.outcomeSummary || [])
          .map((o) => t(o.outcome) + " × " + o.referrals).join("，"))],
      ])),
      el("section", { class: "card" }, el("h2", {}, t("referrals")),
        table(["department", "service", "state", "deadline", "history"], (p.referrals || []).map((r) =>
          referralRow(r, null)), "plan-referrals")),
      addReferralForm(p));
  }

  // Adds a referral to the plan, or re-routes a rejected or failed one (once) to another
  // department or office; referral-service says why not when it may not.
  function addReferralForm(p) {
    const referrals = p.referrals || [];
    const rerouted = new Set(referrals.map((r) => r.reroutedFrom).filter(Boolean));
    const reroutable = referrals.filter((r) => (r.state === "REFERRAL_STATE_REJECTED" ||
      r.state === "REFERRAL_STATE_FAILED") && !rerouted.has(r.referralId));
    const reroutes = el("select", { "data-testid": "add-reroutes" },
      el("option", { value: "" }, t("none")),
      reroutable.map((r) => el("option", { value: r.referralId }, r.department + " · " + t(r.state))));
    const department = el("input", { "data-testid": "add-department", placeholder: t("department_code") });
    const service = el("input", { "data-testid": "add-service", placeholder: t("service") });
    const reason = el("input", { "data-testid": "add-reason", placeholder: t("reason") });
    const submit = el("button", { type: "button", "data-testid": "add-referral", onclick: async () => {
      try {
        await api("POST", "/v1/plans/" + encodeURIComponent(p.planId) + "/referrals", {
          department: department.value.trim(), service: service.value, reason: reason.value,
          reroutesReferralId: reroutes.value });
        await planPage(p.planId);
        notice("info", t("saved"));
      } catch (e) {
        showError(e);
      }
    } }, t("add"));
    return el("section", { class: "card", "data-testid": "add-referral-form" }, el("h2", {}, t("add_referral")),
      el("div", { class: "actions" }, el("label", {}, t("reroutes"), reroutes), department, service, reason, submit));
  }

  const OUTCOMES = ["REFERRAL_OUTCOME_PROVIDED", "REFERRAL_OUTCOME_PARTLY_PROVIDED",
    "REFERRAL_OUTCOME_ALREADY_RECEIVING", "REFERRAL_OUTCOME_NOT_ELIGIBLE", "REFERRAL_OUTCOME_DECLINED",
    "REFERRAL_OUTCOME_UNREACHABLE"];

  async function transition(referralId, toState, note, outcome) {
    try {
      const body = { toState, note };
      if (outcome) body.outcome = outcome;  // a completion says what it achieved
      await api("POST", "/v1/referrals/" + encodeURIComponent(referralId) + ":transition", body);
      await inboxPage();
      notice("info", t("saved"));
    } catch (e) {
      showError(e);
    }
  }

  async function inboxPage() {
    // "#/inbox?escalated=1" lists only referrals whose current stage is escalated.
    const escalatedOnly = new URLSearchParams(location.hash.split("?")[1] || "").get("escalated") === "1";
    const data = await api("GET", "/v1/referrals?page_size=200" + (escalatedOnly ? "&escalated=true" : ""));
    const rows = (data.referrals || []).map((r) => {
      const note = el("input", { "data-testid": "referral-note", placeholder: t("note") });
      const outcome = el("select", { "data-testid": "referral-outcome", title: t("outcome") },
        OUTCOMES.map((o) => el("option", { value: o }, t(o))));
      const button = (label, toState, testid, cls) => el("button", { type: "button", class: cls,
        "data-testid": testid, onclick: () => transition(r.referralId, toState, note.value,
          toState === "REFERRAL_STATE_COMPLETED" ? outcome.value : "") }, t(label));
      let actions = [];
      if (r.state === "REFERRAL_STATE_REQUESTED") {
        actions = [button("accept", "REFERRAL_STATE_ACCEPTED", "accept"),
          button("refuse", "REFERRAL_STATE_REJECTED", "refuse", "danger")];
      } else if (r.state === "REFERRAL_STATE_ACCEPTED" || r.state === "REFERRAL_STATE_ON_HOLD") {
        actions = [button("progress", "REFERRAL_STATE_IN_PROGRESS", "progress", "secondary"),
          button("complete", "REFERRAL_STATE_COMPLETED", "complete")];
      } else if (r.state === "REFERRAL_STATE_IN_PROGRESS") {
        actions = [button("complete", "REFERRAL_STATE_COMPLETED", "complete")];
      }
      const canComplete = actions.some((a) => a.dataset.testid === "complete");
      return referralRow(r, actions.length
        ? el("div", { class: "actions" }, note, canComplete ? outcome : null, actions) : null);
    });
    const asked = await api("GET", "/v1/verifications?open_only=true&page_size=200");
    const verificationRows = (asked.verifications || []).map((v) => {
      const result = el("select", { "data-testid": "verification-result" },
        ["VERIFICATION_STATE_CONFIRMED", "VERIFICATION_STATE_NOT_CONFIRMED"].map((r) =>
          el("option", { value: r }, t(r))));
      const note = el("input", { "data-testid": "verification-note", placeholder: t("note") });
      const file = el("input", { "data-testid": "attachment-name", placeholder: t("attachment_name") });
      const size = el("input", { "data-testid": "attachment-size", type: "number", min: "0",
        placeholder: t("attachment_size") });
      const sha = el("input", { "data-testid": "attachment-sha256", placeholder: "sha256" });
      const answerButton = el("button", { type: "button", "data-testid": "answer-verification", onclick: () => {
        const body = { result: result.value, note: note.value, attachments: [] };
        if (file.value.trim()) {
          body.attachments.push({ name: file.value.trim(), contentType: "application/octet-stream",
            sizeBytes: String(Number(size.value || 0)), sha256: sha.value.trim().toLowerCase() });
        }
        api("POST", "/v1/verifications/" + encodeURIComponent(v.verificationId) + ":answer", body)
          .then(() => { notice("ok", t("answered")); return inboxPage(); }).catch(showError);
      } }, t("answer"));
      return verificationRow(v, el("div", { class: "actions" }, result, note, file, size, sha, answerButton));
    });
    const filter = el("p", {}, el("a", { href: escalatedOnly ? "#/inbox" : "#/inbox?escalated=1",
      "data-testid": "escalated-filter" }, t(escalatedOnly ? "all_referrals" : "escalated_only")));
    page("inbox_title", filter, rows.length
      ? table(["department", "service", "state", "deadline", "history", "actions"], rows, "inbox-table")
      : el("p", {}, t("none")),
    el("section", { class: "card" }, el("h2", {}, t("verifications")),
      verificationRows.length ? table(["office", "question", "state", "respond_by", "answer", "actions"],
        verificationRows, "verification-inbox") : el("p", {}, t("none"))));
  }

  // Admins: deliveries parked after their attempts (a department unreachable for hours), each with
  // a button that queues it again.
  async function undeliverablePage() {
    const [referrals, verifications] = await Promise.all([
      api("GET", "/v1/referrals:undeliverable?page_size=200"),
      api("GET", "/v1/verifications?undeliverable_only=true&page_size=200"),
    ]);
    const retry = (path) => el("button", { type: "button", "data-testid": "retry-delivery", onclick: () =>
      api("POST", path, {}).then(() => undeliverablePage()).then(() => notice("ok", t("delivery_retried")))
        .catch(showError) }, t("retry_delivery"));
    const deliveryCells = (d) => [el("td", { class: "muted" }, (d || {}).lastError || ""),
      el("td", {}, (d || {}).parkedTime || "")];
    const referralRows = (referrals.referrals || []).map((r) => el("tr", { "data-testid": "undeliverable-referral",
      "data-referral-id": r.referralId },
      el("td", {}, r.department), el("td", {}, r.service || ""), el("td", {}, t(r.state)),
      ...deliveryCells(r.delivery),
      el("td", {}, retry("/v1/referrals/" + encodeURIComponent(r.referralId) + ":retryDelivery"))));
    const verificationRows = (verifications.verifications || []).map((v) => el("tr", {
      "data-testid": "undeliverable-verification", "data-verification-id": v.verificationId },
      el("td", {}, v.department), el("td", {}, v.question || ""), el("td", {}, t(v.state)),
      ...deliveryCells(v.delivery),
      el("td", {}, retry("/v1/verifications/" + encodeURIComponent(v.verificationId) + ":retryDelivery"))));
    page("undeliverable_title",
      el("section", { class: "card" }, el("h2", {}, t("referrals")), referralRows.length
        ? table(["department", "service", "state", "last_error", "parked_time", "actions"], referralRows,
          "undeliverable-referrals") : el("p", {}, t("none"))),
      el("section", { class: "card" }, el("h2", {}, t("verifications")), verificationRows.length
        ? table(["office", "question", "state", "last_error", "parked_time", "actions"], verificationRows,
          "undeliverable-verifications") : el("p", {}, t("none"))));
  }

  async function matchesPage() {
    const data = await api("GET", "/v1/possible-matches?page_size=100");
    const rows = (data.possibleMatches || []).map((m) => {
      const pair = m.pair || {};
      const resolve = (decision) => api("POST", "/v1/possible-matches:resolve",
        { recordA: pair.recordA, recordB: pair.recordB, decision })
        .then(() => matchesPage()).then(() => notice("info", t("saved"))).catch(showError);
      return el("tr", { "data-testid": "match-row" }, el("td", {}, pair.recordA), el("td", {}, pair.recordB),
        el("td", {}, (pair.weight || 0).toFixed(2)),
        el("td", {}, (pair.fields || []).map((f) => el("span", { class: "tag" }, f.field + " " + f.level))),
        el("td", {}, el("div", { class: "actions" },
          el("button", { type: "button", onclick: () => resolve("MATCH_DECISION_CONFIRM") }, t("confirm_same")),
          el("button", { type: "button", class: "secondary", onclick: () => resolve("MATCH_DECISION_SEPARATE") },
            t("separate")))));
    });
    page("matches_title", rows.length
      ? table(["record_a", "record_b", "weight", "ev_field", "decide"], rows, "match-table")
      : el("p", {}, t("none")));
  }

  async function auditPage(params) {
    const query = new URLSearchParams(params);
    const input = (name) => el("input", { name, value: query.get(name) || "", "data-testid": "audit-" + name });
    const filters = el("form", { class: "filters", onsubmit: (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [k, v] of new FormData(event.target)) if (v) next.set(k, v);
      location.hash = "#/audit?" + next.toString();
    } },
      el("label", {}, t("user"), input("user")), el("label", {}, t("rpc"), input("rpc")),
      el("label", {}, t("subject"), input("subject")), el("label", {}, t("since"), input("since")),
      el("label", {}, t("until"), input("until")),
      el("button", { type: "submit", "data-testid": "audit-apply" }, t("apply")));
    query.set("page_size", "100");
    const data = await api("GET", "/v1/audit?" + query.toString());
    const rows = (data.entries || []).map((e) => el("tr", { "data-testid": "audit-row" },
      el("td", {}, e.time), el("td", {}, e.user), el("td", {}, e.role), el("td", {}, e.rpc || e.route),
      el("td", {}, Object.entries(e.ids || {}).map(([k, v]) => k + "=" + v).join(" "),
        (e.subjects || []).length ? el("div", { class: "muted" }, (e.subjects || []).join(" ")) : null),
      el("td", {}, Object.entries(e.decision || {}).map(([k, v]) => k + "=" + t(v)).join(" ")),
      el("td", {}, String(e.status))));
    const result = table(["time", "user", "role", "rpc", "subjects", "decision", "status"], rows, "audit-table");
    result.dataset.query = query.toString();  // which filters this table answers
    page("audit_title", filters, result);
  }

  // --- routing ----------------------------------------------------------------------------

  async function route() {
    renderNav();
    if (!token()) {
      if (location.hash !== "#/login") location.hash = "#/login";
      return loginPage();
    }
    if (areas === null) {
      try {
        areas = await probeAreas();
        renderNav();
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        showError(e);
        return loginPage();
      }
    }
    const [path, search] = location.hash.slice(1).split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    try {
      if (parts[0] === "clues" && parts[1]) return await cluePage(parts[1]);
      if (parts[0] === "clues") return await cluesPage(search || "");
      if (parts[0] === "plans" && parts[1]) return await planPage(parts[1]);
      if (parts[0] === "matches") return await matchesPage();
      if (parts[0] === "inbox") return await inboxPage();
      if (parts[0] === "audit") return await auditPage(search || "");
      if (parts[0] === "undeliverable") return await undeliverablePage();
      if (areas.length) location.hash = "#/" + areas[0];
      else loginPage();
    } catch (e) {
      showError(e);
      main().replaceChildren();
    }
  }

  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_KEY, lang);
    route();
  });
  document.getElementById("logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    areas = null;
    notice("", "");
    location.hash = "#/login";
  });
  window.addEventListener("hashchange", () => { notice("", ""); route(); });
  route();
})();
