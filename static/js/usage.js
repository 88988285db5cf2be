// Usage report pages (USG-3, USG-11, UX-4). Everything here is an extra: without
// JavaScript the chart bars still show their values as titles and the On Demand Read panel
// has its "refresh" link.
(() => {
  const POLL_MS = 5000; // USG-11: the panel asks for the read's status every 5 s...
  const POLL_LIMIT = 60; // ...for about 5 minutes at most

  // UX-4: the value of the bar under the pointer or keyboard focus, written under the chart
  // (a tap on a phone focuses the bar too). Screen readers hear the bar's own title.
  function chartReadout(chart) {
    const readout = chart.querySelector("[data-chart-readout]");
    if (!readout) return;
    const show = (event) => {
      const bar = event.target.closest(".bar");
      if (!bar) return;
      const title = bar.querySelector("title");
      readout.textContent = title ? title.textContent : "";
      readout.hidden = !readout.textContent;
    };
    chart.addEventListener("mouseover", show);
    chart.addEventListener("focusin", show);
  }

  // USG-11: while the latest read is Pending, fetch the panel again and swap in its status
  // (an aria-live region, so the new status is read out) and its form (the button's state).
  function pollOnDemandRead(panel) {
    let polls = 0;
    const url = `${panel.dataset.odrUrl}${window.location.search}`;
    const tick = async () => {
      polls += 1;
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "text/html" },
        });
        if (response.ok) {
          const fresh = new DOMParser()
            .parseFromString(await response.text(), "text/html")
            .querySelector("[data-odr-panel]");
          if (fresh) {
            const status = panel.querySelector("[data-odr-status]");
            const freshStatus = fresh.querySelector("[data-odr-status]");
            status.innerHTML = freshStatus.innerHTML;
            status.toggleAttribute("data-pending", freshStatus.hasAttribute("data-pending"));
            const form = panel.querySelector("[data-odr-form]");
            const freshForm = fresh.querySelector("[data-odr-form]");
            if (form && freshForm) form.replaceWith(document.importNode(freshForm, true));
          }
        }
      } catch (error) {
        // A network hiccup: try again at the next tick.
      }
      const pending = panel.querySelector("[data-odr-status][data-pending]");
      if (pending && polls < POLL_LIMIT) window.setTimeout(tick, POLL_MS);
    };
    window.setTimeout(tick, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart]").forEach(chartReadout);
    document.querySelectorAll("[data-odr-panel]").forEach((panel) => {
      if (panel.querySelector("[data-odr-status][data-pending]")) pollOnDemandRead(panel);
    });
  });
})();
