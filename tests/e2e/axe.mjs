// axe-core in the page under test: `expectAccessible(page, state)` runs the WCAG 2.0, 2.1
// and 2.2 level A and AA rules on the page as it is and fails with a readable list of
// what is wrong (rule, impact, elements, how to fix) unless there is nothing. axe is
// evaluated through the DevTools protocol, so the page's Content-Security-Policy (which
// allows only its own scripts) stays on.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
export const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Every state checked, with its count of rules passed, for the run's summary line.
export const checked = [];

//
// The page's header and filter bar are sticky: whatever is scrolled under them is partly
// hidden, and axe's target-size rule then counts a button half under the bar as too
// small. Where that happens depends on where a test happened to scroll (Playwright
// scrolls to what it clicks), not on the layout, so axe runs with the page at its top
// and the scroll is put back afterwards. That focus never hides under the sticky bars
// is checked by the keyboard tests (a11y.test.mjs).
export async function expectAccessible(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate((tags) => {
    const [x, y] = [window.scrollX, window.scrollY];
    window.scrollTo(0, 0);
    return window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    }).finally(() => window.scrollTo(x, y));
  }, TAGS).then((r) => ({
    passes: r.passes.length,
    violations: r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    })),
  }));
  checked.push({ state, passes: result.passes });
  const report = result.violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 8).join('\n    ')}`
    + (v.nodes.length > 8 ? `\n    … ${v.nodes.length - 8} more` : '')).join('\n');
  assert.equal(result.violations.length, 0, `axe-core, state "${state}": WCAG A/AA violations\n${report}`);
  return result;
}
