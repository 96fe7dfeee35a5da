// Runs first in <body>, before anything paints: NHS.UK frontend styles its components for
// script-enabled browsers by these classes. A file rather than an inline script, so the
// Content Security Policy can forbid inline scripts.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '')
