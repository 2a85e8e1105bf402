// Accessibility fixes to the theme's markup, found by the axe-core audit of every page
// (scripts/audit.mjs, tests/test_audit.py). They run once the page is parsed, after the theme's
// and Font Awesome's scripts (both deferred).
document.addEventListener("DOMContentLoaded", () => {
  // The colour-mode button (pydata-sphinx-theme) shows the icon of the current mode, named
  // "Light", "Dark" or "System Settings", while the button's accessible name is "Color mode":
  // the visible label is not in the name (WCAG 2.1, 2.5.3 Label in Name), and a screen reader
  // does not hear which mode is on. Name it "Color mode: <current mode>", kept up to date.
  const buttons = document.querySelectorAll(".theme-switch-button");
  const label = () => {
    const mode = document.documentElement.dataset.mode || "auto";
    for (const button of buttons) {
      const icon = button.querySelector(`[data-mode="${mode}"]`);
      const name = icon?.getAttribute("title") || icon?.querySelector("title")?.textContent || mode;
      const base = button.dataset.bsTitle || "Color mode";
      button.setAttribute("aria-label", `${base}: ${name}`);
    }
  };
  if (buttons.length) {
    label();
    new MutationObserver(label).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-mode"],
    });
  }
  // The bibliography (docutils' citation list) is a role="list" whose entries have the role
  // doc-biblioentry, deprecated in WAI-ARIA DPUB 1.1 and not a list item: the list has no items
  // for assistive technology (axe: aria-required-children, critical). Make each entry a listitem.
  for (const entry of document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]')) {
    entry.setAttribute("role", "listitem");
  }
});
