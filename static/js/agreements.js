// AGR-3 page 1 (seed 000 functional rules 1 and 2): a registered customer gives only the
// email; Language Preference only for a residential customer who is not registered. Without
// JavaScript every field stays visible and the server ignores the ones that do not apply.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-agreement-request]").forEach((form) => {
    const parts = form.querySelectorAll("[data-show-when]");
    const value = (name) => {
      const checked = form.querySelector(`input[name="${name}"]:checked`);
      return checked ? checked.value : "";
    };
    const update = () => {
      parts.forEach((part) => {
        const shown = part.dataset.showWhen.split(" ").every((rule) => {
          const [name, wanted] = rule.split("=");
          return value(name) === wanted;
        });
        part.hidden = !shown;
      });
    };
    form.addEventListener("change", update);
    update();
  });
});
