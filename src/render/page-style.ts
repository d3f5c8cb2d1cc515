/**
 * What every page the service serves on its own (the checklist, the flowchart page) does for people who
 * use a keyboard or a finger: a focus ring that shows on any background, and links at least 44x44 px to
 * hit (WCAG 2.5.5), without changing how the page prints.
 */
export const ACCESSIBLE_CONTROLS = `
a { color: #0a4a8f; }
a:focus-visible { outline: 3px solid #0a4a8f; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }
@media screen { .controls a { display: inline-flex; align-items: center; justify-content: center; min-height: 44px; min-width: 44px; padding: 0 12px; margin: 0 8px 8px 0;
  border: 2px solid #0a4a8f; border-radius: 6px; text-decoration: none; font-weight: bold; } }
`;
