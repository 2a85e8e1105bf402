// Audit built HTML pages in headless Chromium: axe-core's WCAG 2.1 A/AA rules, and MathJax's
// rendering (error nodes, assistive MathML, how many formulas were typeset).
//
//   node scripts/audit.mjs --modules DIR --out REPORT.json [--no-axe] [--dark] PATH...
//
// PATH: an HTML file, or a folder whose *.html files are all audited (_static, _sources and
// _images are skipped). DIR: the node_modules folder with axe-core, puppeteer-core, mathjax (3)
// and mathjax2 (npm alias of mathjax@2), which scripts/setup-env.sh installs into
// .venv/audit/node_modules. Chromium is Debian's /usr/bin/chromium (CHROMIUM overrides it):
// puppeteer-core downloads no browser. --dark audits each page a second time in the theme's dark
// mode. The report lists, for every page and mode, axe's violations (rule, impact, nodes) and the
// MathJax counts; tests/book/test_audit.py runs this script and asserts on the report.
//
// No network: the pages load MathJax from a CDN (Sphinx: jsDelivr's mathjax@3; nbconvert:
// cdnjs's MathJax 2.7), which the request interception below serves from the local npm copies;
// every other http(s) request is refused, as on a machine that is offline.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const flag = (name) => {
  const at = args.indexOf(name);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
};
const modules = option("--modules");
const out = option("--out");
const noAxe = flag("--no-axe");
const dark = flag("--dark");
const concurrency = Number(option("--jobs") ?? 2);
if (!modules || !out || args.length === 0) {
  console.error("usage: node scripts/audit.mjs --modules DIR --out REPORT.json [--no-axe] [--dark] PATH...");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const puppeteer = require("puppeteer-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const mathjax3 = path.dirname(require.resolve("mathjax/package.json"));
const mathjax2 = path.dirname(require.resolve("mathjax2/package.json"));

// The WCAG 2.1 A and AA rules (axe's tags); "best-practice" rules are left out.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SKIP_DIRS = new Set(["_static", "_sources", "_images", "_downloads", ".doctrees"]);

function pages(target) {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [path.resolve(target)];
  const found = [];
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) found.push(...pages(full));
    else if (entry.isFile() && entry.name.endsWith(".html")) found.push(path.resolve(full));
  }
  return found;
}

const TYPES = {
  ".js": "text/javascript", ".css": "text/css", ".woff": "font/woff", ".woff2": "font/woff2",
  ".otf": "font/otf", ".eot": "application/vnd.ms-fontobject", ".svg": "image/svg+xml",
  ".json": "application/json",
};
// A CDN address of MathJax -> the local file, or null.
function localMathJax(url) {
  const u = new URL(url);
  let m = u.pathname.match(/\/mathjax@3[^/]*\/(.*)$/);
  if (m) return path.join(mathjax3, m[1]);
  m = u.pathname.match(/\/mathjax\/2\.7\.\d+\/(.*)$/i);
  if (m) return path.join(mathjax2, m[1]);
  return null;
}

async function audit(browser, file, mode) {
  // a page that only redirects (Jupyter Book's index.html) is audited where it leads
  if (/<meta[^>]+http-equiv=["']?refresh/i.test(fs.readFileSync(file, "utf8"))) {
    return { page: file, mode, redirect: true, mathjax: null, violations: [], refused: [] };
  }
  const page = await browser.newPage();
  const refused = new Set();
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (!/^https?:/.test(url)) return request.continue();
    const local = localMathJax(url);
    if (local && fs.existsSync(local)) {
      return request.respond({
        status: 200,
        headers: { "Access-Control-Allow-Origin": "*" },
        contentType: TYPES[path.extname(local)] ?? "application/octet-stream",
        body: fs.readFileSync(local),
      });
    }
    refused.add(new URL(url).host);
    return request.abort();
  });
  // pydata-sphinx-theme reads the reader's choice ("mode") from localStorage before the page
  // paints; the report records the theme the page then shows (tests/book/test_audit.py checks it)
  await page.evaluateOnNewDocument((m) => localStorage.setItem("mode", m), mode);
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: mode }]);
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 60000 });
  const mathjax = await page.evaluate(async () => {
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let i = 0; i < 100 && window.MathJax && !window.MathJax.startup?.promise && !window.MathJax.Hub; i++) {
      await wait(100);
    }
    const MJ = window.MathJax;
    let version = null;
    if (MJ?.startup?.promise) {
      await MJ.startup.promise;
      version = 3;
    } else if (MJ?.Hub) {
      await new Promise((resolve) => MJ.Hub.Queue(resolve));
      version = 2;
    }
    // MathJax 3: <mjx-merror data-mjx-error="...">; MathJax 2 (CommonHTML output): .mjx-merror,
    // or .mjx-noError where its noErrors extension (nbconvert's TeX-AMS_CHTML-full) shows the
    // TeX source of a formula that failed
    const errors = [
      ...document.querySelectorAll("mjx-merror, .mjx-merror, .mjx-noError, .MathJax_Error"),
    ];
    return {
      theme: document.documentElement.dataset.theme ?? null,
      version,
      typeset: document.querySelectorAll("mjx-container, .MathJax_CHTML, .MathJax").length,
      assistive: document.querySelectorAll("mjx-assistive-mml, .MJX_Assistive_MathML").length,
      errors: errors.length,
      errorMessages: errors.slice(0, 5).map(
        (e) => e.getAttribute("data-mjx-error") || e.textContent.slice(0, 120),
      ),
    };
  });
  let violations = [];
  if (!noAxe) {
    await page.evaluate(axeSource);
    violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
        summary: v.nodes[0]?.failureSummary?.slice(0, 300) ?? "",
      }));
    }, TAGS);
  }
  await page.close();
  return { page: file, mode, mathjax, violations, refused: [...refused].sort() };
}

const files = args.flatMap(pages).sort();
const modes = dark ? ["light", "dark"] : ["light"];
const jobs = files.flatMap((file) => modes.map((mode) => [file, mode]));
const started = Date.now();
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const results = [];
let failed = false;
try {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [file, mode] = jobs[next++];
      try {
        results.push(await audit(browser, file, mode));
      } catch (error) {
        failed = true;
        results.push({ page: file, mode, error: String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
} finally {
  await browser.close();
}
results.sort((a, b) => (a.page + a.mode).localeCompare(b.page + b.mode));
const seconds = (Date.now() - started) / 1000;
fs.writeFileSync(out, JSON.stringify({ seconds, tags: TAGS, results }, null, 1));
const serious = results.flatMap((r) => (r.violations ?? []).filter((v) => ["serious", "critical"].includes(v.impact)));
const merrors = results.reduce((n, r) => n + (r.mathjax?.errors ?? 0), 0);
if (results.some((r) => r.error)) console.error(results.filter((r) => r.error));
console.log(
  `audited ${results.length} page views in ${seconds.toFixed(1)} s: ` +
    `${serious.reduce((n, v) => n + v.nodes, 0)} serious or critical nodes (${serious.length} violations), ` +
    `${merrors} MathJax errors`,
);
process.exit(failed ? 1 : 0);
