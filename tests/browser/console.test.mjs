// The review console in a real browser (Debian's chromium driven by playwright-core), against a
// running suite. Started by tests/e2e/console_browser_test.cc, which loads the hand-written demo
// data and passes:
//   LIFELINE_URL        the gateway, e.g. http://127.0.0.1:PORT
//   LIFELINE_CLUE_ID    a pending clue outside Hefei (3401)
//   LIFELINE_ARTIFACTS  where screenshots go (one per page)
//   CHROMIUM            the browser binary (default /usr/bin/chromium)
// Exits 0 when every step held, 1 with the failed step otherwise.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.LIFELINE_URL;
const clueId = process.env.LIFELINE_CLUE_ID;
const artifacts = process.env.LIFELINE_ARTIFACTS || "console-artifacts";
let planUrl = null;
const tokens = {
  chief: "demo-chief-procurator-token",
  hefei: "demo-procurator-hefei-token",
  partner: "demo-partner-legal-aid-token",
  auditor: "demo-auditor-token",
  admin: "demo-admin-token",
};
if (!base || !clueId) {
  console.error("console test: LIFELINE_URL and LIFELINE_CLUE_ID are required");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
  console.log("ok - " + what);
}

async function shot(page, name) {
  await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
}

let current = null;  // the page in use, for a screenshot when a step fails
const allErrors = [];

async function signIn(browser, token) {
  const context = await browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  current = page;
  page.setDefaultTimeout(15000);
  const errors = allErrors;
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/status of 40[13]/.test(m.text())) errors.push(m.text()); });
  await page.goto(base + "/console/");
  await page.getByTestId("token").fill(token);
  await page.getByTestId("sign-in").click();
  return { context, page, errors };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  // 1. A chief procurator finds the clue, reads it, approves it and sees the 1+N plan.
  {
    const { context, page, errors } = await signIn(browser, tokens.chief);
    await page.getByTestId("clue-table").waitFor();
    check(await page.getByTestId("nav-clues").isVisible(), "procurator sees the clue list");
    const row = page.locator(`[data-testid=clue-row][data-clue-id="${clueId}"]`);
    check(await row.count() === 1, "the clue is listed");
    await page.getByTestId("filter-status").selectOption("CLUE_STATUS_PENDING_REVIEW");
    await page.getByTestId("apply-filters").click();
    await page.waitForURL(/status=CLUE_STATUS_PENDING_REVIEW/);
    await row.waitFor();
    await shot(page, "01-clue-list");
    await row.click();
    await page.getByTestId("clue-detail").waitFor();
    await page.getByTestId("clue-status").filter({ hasText: "待审查" }).waitFor();
    check(true, "the clue is pending (Chinese)");
    check(await page.getByTestId("evidence-table").locator("tbody tr").count() > 0, "evidence is shown");
    const person = await page.getByTestId("clue-person").textContent();
    const idCell = await page.locator(".grid").textContent();
    check(/\*{6,}/.test(idCell), "the ID number is masked");
    await page.getByTestId("explain").click();
    await page.getByTestId("link-table").waitFor();
    check(await page.getByTestId("link-row").count() > 1, "the link explanations list the person's records");
    await shot(page, "02-clue-detail");
    // Before deciding, the village committee is asked to confirm the family's hardship; its
    // answer (partner-sim answers for it) comes back onto the clue with its attachment.
    await page.getByTestId("verification-department").fill("village_committee");
    await page.getByTestId("verification-question").fill("家庭因案致贫，请核实家庭收入情况");
    await page.getByTestId("request-verification").click();
    await page.getByTestId("verification-row").first().waitFor();
    let confirmed = false;
    for (let i = 0; i < 60 && !confirmed; i++) {
      await page.reload();
      await page.getByTestId("clue-detail").waitFor();
      confirmed = await page.locator(
        "[data-testid=verification-row][data-state=VERIFICATION_STATE_CONFIRMED]").count() > 0;
      if (!confirmed) await page.waitForTimeout(500);
    }
    check(confirmed, "the office's answer came back onto the clue");
    const answer = await page.getByTestId("verification-answer").first().textContent();
    check(answer.includes("sha256"), "the answer lists its attachment's metadata");
    // match-service keeps the request and the answer on the clue itself (its history).
    let history = "";
    for (let i = 0; i < 60 && !(history.includes("请求核实") && history.includes("核实答复")); i++) {
      if (i > 0) {
        await page.waitForTimeout(500);
        await page.reload();
        await page.getByTestId("clue-detail").waitFor();
      }
      history = (await page.getByTestId("clue-event").allTextContents()).join("\n");
    }
    check(history.includes("请求核实") && history.includes("核实答复") && history.includes("CONFIRMED"),
      "the clue's own history shows the request and the answer");
    await shot(page, "02b-clue-verified");
    await page.getByTestId("approve-amount").fill("30000");
    await page.getByTestId("approve-reason").fill("家庭困难经乡镇核实");
    await page.getByTestId("approve").click();
    await page.getByTestId("clue-status").filter({ hasText: "已批准" }).waitFor();
    check(await page.locator("#notice.info").isVisible(), "approved, and the page says it was saved");
    // The plan opens asynchronously: reload until the clue links it.
    let planLink = null;
    for (let i = 0; i < 60 && !planLink; i++) {
      await page.reload();
      await page.getByTestId("clue-detail").waitFor();
      if (await page.getByTestId("open-plan").count()) planLink = page.getByTestId("open-plan");
      else await page.waitForTimeout(500);
    }
    check(planLink !== null, "the clue links its plan");
    await planLink.click();
    await page.getByTestId("plan").waitFor();
    planUrl = page.url();
    check((await page.getByTestId("plan-amount").textContent()).includes("30,000.00"), "the plan carries the amount");
    await page.getByTestId("plan-referrals").locator("tbody tr").first().waitFor();
    check(await page.getByTestId("referral-row").count() > 0, "the plan lists its referrals with states and deadlines");
    await shot(page, "03-plan");
    // The English switch.
    await page.getByTestId("lang-switch").click();
    await page.getByTestId("nav-clues").waitFor();
    check((await page.getByTestId("nav-clues").textContent()) === "Clues", "English switch");
    await shot(page, "04-plan-english");
    await page.getByTestId("lang-switch").click();
    check(errors.length === 0, "no script errors on the procurator's pages: " + errors.join("; "));
    console.log("person shown: " + (person ? "yes" : "no"));
    await context.close();
  }

  // 2. The legal-aid department takes its referral through to completion.
  {
    const { context, page, errors } = await signIn(browser, tokens.partner);
    await page.getByTestId("inbox-table").waitFor();
    check(!(await page.getByTestId("nav-clues").count()), "a department sees no clue list");
    const open = page.locator("[data-testid=referral-row][data-state=REFERRAL_STATE_REQUESTED]");
    if (await open.count()) {
      const id = await open.first().getAttribute("data-referral-id");
      await open.first().getByTestId("accept").click();
      await page.locator(`[data-referral-id="${id}"][data-state=REFERRAL_STATE_ACCEPTED]`).waitFor();
    }
    const accepted = page.locator("[data-testid=referral-row][data-state=REFERRAL_STATE_ACCEPTED]").first();
    await accepted.waitFor();
    const id = await accepted.getAttribute("data-referral-id");
    await accepted.getByTestId("referral-note").fill("已联系当事人，正在准备法律援助材料");
    await accepted.getByTestId("progress").click();
    const inProgress = page.locator(`[data-referral-id="${id}"][data-state=REFERRAL_STATE_IN_PROGRESS]`);
    await inProgress.waitFor();
    await shot(page, "05-inbox-in-progress");
    await inProgress.getByTestId("referral-note").fill("已指派律师，援助完成");
    await inProgress.getByTestId("referral-outcome").selectOption("REFERRAL_OUTCOME_PROVIDED");
    await inProgress.getByTestId("complete").click();
    await page.locator(`[data-referral-id="${id}"][data-state=REFERRAL_STATE_COMPLETED]`).waitFor();
    check(true, "the department accepted, noted progress and completed a referral");
    await shot(page, "06-inbox-completed");
    check(errors.length === 0, "no script errors on the department's pages: " + errors.join("; "));
    await context.close();
  }

  // 2b. On the plan the procurator sees who acted: the department and the person acting for it.
  {
    const { context, page } = await signIn(browser, tokens.chief);
    await page.getByTestId("clue-table").waitFor();  // signed in and routed to the clue list
    await page.goto(planUrl);
    await page.getByTestId("plan").waitFor();
    const byDesk = page.locator("[data-testid=referral-event]", { hasText: "legal_aid · demo-legal-aid-desk" });
    await byDesk.first().waitFor();
    check(await byDesk.count() >= 2, "the plan's history names the department and the person acting for it");
    check((await page.getByTestId("plan-outcomes").textContent()).includes("已提供帮助 × 1"),
      "the plan sums up the outcome the department reported");
    // The procurator adds a referral to a department the routing did not choose.
    const before = await page.getByTestId("referral-row").count();
    await page.getByTestId("add-department").fill("charities");
    await page.getByTestId("add-service").fill("冬季生活物资");
    await page.getByTestId("add-reason").fill("家庭冬季缺少取暖物资");
    await page.getByTestId("add-referral").click();
    await page.locator("[data-testid=referral-row]").nth(before).waitFor();
    const added = await page.locator("[data-testid=referral-row]").nth(before).textContent();
    check(added.includes("charities") && added.includes("已转介"), "the procurator added a referral to the plan");
    await shot(page, "05b-plan-referral-added");
    await context.close();
  }

  // 3. A reviewer of another region (Hefei) can neither list nor open the clue.
  {
    const { context, page } = await signIn(browser, tokens.hefei);
    await page.getByTestId("nav-clues").waitFor();
    await page.locator("[data-testid=clue-table], [data-testid=no-clues]").first().waitFor();
    check(await page.locator(`[data-clue-id="${clueId}"]`).count() === 0, "Hefei's list does not show the clue");
    await page.goto(base + "/console/#/clues/" + encodeURIComponent(clueId));
    await page.locator("#notice.error").waitFor();
    check(await page.getByTestId("clue-detail").count() === 0, "Hefei cannot open the clue");
    await shot(page, "07-other-region-denied");
    await context.close();
  }

  // 4. The auditor finds the approval in the audit log.
  {
    const { context, page, errors } = await signIn(browser, tokens.auditor);
    await page.getByTestId("audit-table").waitFor();
    await page.getByTestId("audit-subject").fill(clueId);
    await page.getByTestId("audit-apply").click();
    await page.locator(`[data-testid=audit-table][data-query*="subject=${clueId}"]`).waitFor();
    await page.getByTestId("audit-row").first().waitFor();
    const text = await page.getByTestId("audit-table").textContent();
    check(text.includes("ReviewClue") && text.includes("amount_fen=3000000"), "the audit log shows the approval");
    check(text.includes("demo-procurator-hefei") && text.includes("403"), "and the other region's refused read");
    await shot(page, "08-audit");
    check(errors.length === 0, "no script errors on the audit page: " + errors.join("; "));
    await context.close();
  }

  // 5. An admin opens the deliveries parked as undeliverable (none in this run: every department
  // answered), and a procurator has no such page.
  {
    const { context, page, errors } = await signIn(browser, tokens.admin);
    await page.getByTestId("nav-undeliverable").click();
    await page.locator("h1", { hasText: "送达中止的转介与核实请求" }).waitFor();
    check(await page.getByTestId("undeliverable-referral").count() === 0 &&
      await page.getByTestId("undeliverable-verification").count() === 0,
      "the admin's undeliverable page lists parked referrals and verifications (none here)");
    await shot(page, "09-undeliverable");
    check(errors.length === 0, "no script errors on the undeliverable page: " + errors.join("; "));
    await context.close();
    const chief = await signIn(browser, tokens.chief);
    await chief.page.getByTestId("clue-table").waitFor();
    check(await chief.page.getByTestId("nav-undeliverable").count() === 0,
      "a procurator has no undeliverable page");
    await chief.context.close();
  }
} catch (e) {
  failed = true;
  console.error("not ok - " + (e && e.message ? e.message : e));
  if (allErrors.length) console.error("page errors: " + allErrors.join("; "));
  if (current) {
    console.error("notice: " + (await current.locator("#notice").textContent().catch(() => "")));
    await shot(current, "failure").catch(() => {});
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
