// Marks the page as JavaScript-enabled before govuk-frontend initialises, as the
// GOV.UK page template does, without an inline script (the CSP forbids them).
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
