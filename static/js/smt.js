// Page help: hide the "?" when a page has no help text; "Hide Help" closes the panel (UX-1).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-page-help]").forEach((help) => {
    const text = help.querySelector("[data-page-help-text]");
    if (!text || !text.textContent.trim()) {
      help.remove();
      return;
    }
    help.querySelector("[data-hide-help]").addEventListener("click", () => {
      help.open = false;
      help.querySelector("summary").focus();
    });
  });
  // On a phone the left menu starts folded so the page comes first.
  if (window.matchMedia("(max-width: 759px)").matches) {
    document.querySelectorAll(".side-menu-box").forEach((box) => { box.open = false; });
  }
});
