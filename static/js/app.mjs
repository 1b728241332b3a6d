// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

// A conditional reveal for several radios at once: on the audit theme page an item's
// evidence shows for the ratings that need it and its action plan for the others (the
// ratings come from audits/rules.py). GOV.UK's own reveal ties one panel to one radio.
// Without JavaScript everything shows. A panel holding anything typed stays shown, so
// changing the rating never hides what was typed (and it is still saved).
for (const panel of document.querySelectorAll("[data-app-reveal]")) {
  const radios = [...document.getElementsByName(panel.dataset.appReveal)];
  const values = panel.dataset.appRevealValues.split(" ");
  const typed = () =>
    [...panel.querySelectorAll("textarea, input[type=text]")].some((field) => field.value.trim());
  const sync = () => {
    const checked = radios.find((radio) => radio.checked);
    const shown = (checked && values.includes(checked.value)) || typed();
    panel.classList.toggle("app-reveal--hidden", !shown);
  };
  for (const radio of radios) {
    if (values.includes(radio.value)) {
      const controls = (radio.getAttribute("aria-controls") || "").split(" ").filter(Boolean);
      radio.setAttribute("aria-controls", [...controls, panel.id].join(" "));
    }
    radio.addEventListener("change", sync);
  }
  window.addEventListener("pageshow", sync);
  sync();
}
