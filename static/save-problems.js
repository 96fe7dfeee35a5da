// When an in-page (htmx) save fails, what the person typed stays in the form and a message
// next to the Save button says what happened and what to do. A failed answer never
// replaces the form: the server answers 401 (not the sign-in page) when the session has
// ended, and 4xx/5xx answers are never swapped in.
(function () {
  'use strict'

  var signInUrl = document.body.getAttribute('data-sign-in-url') || '/accounts/login/'

  // Each problem: what happened (with the form's noun, e.g. "this update") and what to do.
  var PROBLEMS = {
    'signed-out': function (what) {
      return [
        'You have been signed out, so ' + what + ' was not saved. Your text is still here.',
        [{ link: 'Sign in again in a new tab' }, ', then press Save again.']
      ]
    },
    'out-of-date': function (what) {
      return [
        'The page was out of date, so ' + what + ' was not saved. Your text is still here.',
        ['Copy your text, reload the page, paste it back and press Save again.']
      ]
    },
    forbidden: function (what) {
      return [
        'You are not allowed to make this change, so ' + what + ' was not saved.',
        ['Reload the page to see what you can change now. If you think you should be able to, ask the PMO.']
      ]
    },
    gone: function (what) {
      return [
        'What you were saving no longer exists, so ' + what + ' was not saved.',
        ['Copy your text, then reload the page.']
      ]
    },
    server: function (what) {
      return [
        'Something went wrong on our side, so ' + what + ' was not saved. Your text is still here.',
        ['Press Save again in a minute. If it keeps happening, copy your text and tell the PMO.']
      ]
    },
    network: function (what) {
      return [
        'The server could not be reached, so ' + what + ' was not saved. Your text is still here.',
        ['Check your connection, then press Save again.']
      ]
    }
  }

  function problemFor (xhr) {
    var told = xhr.getResponseHeader('X-Save-Problem')
    if (told && PROBLEMS[told]) return told
    if (xhr.status === 401) return 'signed-out'
    if (xhr.status === 403) return 'forbidden'
    if (xhr.status === 404 || xhr.status === 410) return 'gone'
    if (xhr.status >= 400 && xhr.status < 500) return 'out-of-date'
    return 'server'
  }

  function sameOrigin (url) {
    try {
      return new URL(url, document.baseURI).origin === window.location.origin
    } catch (e) {
      return false
    }
  }

  // A response that ended on the sign-in page (a redirect followed inside the request).
  function landedOnSignIn (xhr) {
    if (!xhr.responseURL) return false
    try {
      return new URL(xhr.responseURL).pathname === new URL(signInUrl, document.baseURI).pathname
    } catch (e) {
      return false
    }
  }

  function regionFor (elt) {
    var form = elt && elt.closest ? elt.closest('form') : null
    if (!form) return null
    var region = form.querySelector('[data-save-problem]')
    if (!region) {
      region = document.createElement('div')
      region.className = 'app-save-problem'
      region.setAttribute('data-save-problem', '')
      form.appendChild(region)
    }
    return region
  }

  function show (elt, problem) {
    var region = regionFor(elt)
    if (!region) return
    var what = region.getAttribute('data-what') || 'your change'
    var parts = PROBLEMS[problem](what)
    // An alert only while it has something to say: screen readers announce it at once.
    region.setAttribute('role', 'alert')
    region.textContent = ''
    var said = document.createElement('p')
    var hidden = document.createElement('span')
    hidden.className = 'nhsuk-u-visually-hidden'
    hidden.textContent = 'Error: '
    said.appendChild(hidden)
    var strong = document.createElement('strong')
    strong.textContent = parts[0]
    said.appendChild(strong)
    region.appendChild(said)
    var todo = document.createElement('p')
    parts[1].forEach(function (part) {
      if (typeof part === 'string') {
        todo.appendChild(document.createTextNode(part))
      } else {
        var a = document.createElement('a')
        a.href = signInUrl
        a.target = '_blank'
        a.rel = 'noopener'
        a.textContent = part.link
        todo.appendChild(a)
      }
    })
    region.appendChild(todo)
  }

  function clear (elt) {
    var form = elt && elt.closest ? elt.closest('form') : null
    var region = form && form.querySelector('[data-save-problem]')
    if (region) {
      region.removeAttribute('role')
      region.textContent = ''
    }
  }

  function readCookie (name) {
    var found = document.cookie.split('; ').filter(function (c) {
      return c.indexOf(name + '=') === 0
    })[0]
    return found ? decodeURIComponent(found.slice(name.length + 1)) : ''
  }

  // Signing in again (in another tab) gives a new CSRF token; this page still holds the
  // old one. Send the browser's current token, so Save works again without a reload.
  document.addEventListener('htmx:configRequest', function (event) {
    var detail = event.detail
    if (!sameOrigin(detail.path)) return
    var token = readCookie('csrftoken')
    if (!token) return
    detail.headers['X-CSRFToken'] = token
    if (detail.formData && detail.formData.has('csrfmiddlewaretoken')) {
      detail.formData.set('csrfmiddlewaretoken', token)
    }
  })

  document.addEventListener('htmx:beforeRequest', function (event) {
    clear(event.detail.elt)
  })

  // Never swap an error, nor a sign-in page reached by a redirect, over the form.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var detail = event.detail
    if (detail.xhr.status >= 400) {
      detail.shouldSwap = false
    } else if (landedOnSignIn(detail.xhr)) {
      detail.shouldSwap = false
      show(detail.elt, 'signed-out')
    }
  })

  document.addEventListener('htmx:responseError', function (event) {
    show(event.detail.elt, problemFor(event.detail.xhr))
  })

  document.addEventListener('htmx:sendError', function (event) {
    show(event.detail.elt, 'network')
  })

  document.addEventListener('htmx:timeout', function (event) {
    show(event.detail.elt, 'network')
  })
})()
