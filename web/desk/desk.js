/*
 * The helpdesk console: one page over the desk API (/desk/api/, see the README's "The desk console").
 * Views by address (#guide, #find, #case/EK-…, #callbacks, #figures) so that the browser's back button and
 * bookmarks work; every word comes from the page's config (locales/<lang>/desk.json). Nothing is written as
 * HTML: elements are built and their text set, so no text from a case or a caller can become markup.
 */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('desk-config').textContent);
  var lang = config.lang;
  var words = config.words;
  var view = document.getElementById('view');
  var notice = document.getElementById('notice');
  var session = null;
  var guide = { conversation: null, messages: [] };
  var search = { params: null, result: null };

  function t(key, params) {
    var text = Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key;
    return text.replace(/\{\{(\w+)\}\}/g, function (m, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m;
    });
  }

  /** el('p', { class: 'x', onclick: f }, 'text', child…): attributes, listeners and children. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child))
      child.forEach(function (c) {
        append(node, c);
      });
    else node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  var uid = 0;
  function id(prefix) {
    uid += 1;
    return prefix + '-' + uid;
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toLocaleString(lang, { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  }
  function labels(list) {
    return (list || [])
      .map(function (x) {
        return x.label;
      })
      .join(lang === 'en' ? ', ' : '、');
  }

  function say(text) {
    notice.textContent = '';
    // A new text in the live region is announced even when it equals the last one.
    setTimeout(function () {
      notice.textContent = text || '';
    }, 30);
  }

  /** The view's content replaced, its heading focused so that a screen reader starts there. */
  var shown = false;
  function show(children, keepNotice) {
    if (!keepNotice) notice.textContent = '';
    view.textContent = '';
    append(view, children);
    var h1 = view.querySelector('h1');
    // The first view of a page load leaves focus at the page's start, where the skip link is.
    if (h1 && shown) {
      h1.setAttribute('tabindex', '-1');
      h1.focus();
    }
    shown = true;
  }

  /** A call of the desk API: { status, data, headers }; a lost session leads back to signing in. */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (session && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
    var url = '/desk/api/' + path + (path.indexOf('?') < 0 ? '?' : '&') + 'lang=' + encodeURIComponent(lang);
    return fetch(url, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }).then(
      function (res) {
        return res.text().then(function (text) {
          var data;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (e) {
            data = null;
          }
          var out = { status: res.status, data: data, headers: res.headers };
          if (res.status === 401 && path.indexOf('session') !== 0 && session) {
            session = null;
            signInView(t('signIn.expired'));
            throw out;
          }
          return out;
        });
      },
      function () {
        say(t('network'));
        throw { status: 0 };
      },
    );
  }
  function problem(res) {
    return t('error', { message: (res.data && res.data.message) || String(res.status) });
  }

  // ---- signing in and out ----

  function signedIn(s) {
    session = s;
    var who = document.getElementById('who');
    who.textContent = t('signIn.signedInAs', { name: s.name, role: t('signIn.roles.' + s.role) });
    who.hidden = false;
    document.getElementById('sign-out').hidden = false;
    document.getElementById('views').hidden = false;
    document.getElementById('nav-figures').hidden = s.role !== 'supervisor';
    route();
  }

  function signedOut() {
    session = null;
    guide = { conversation: null, messages: [] };
    search = { params: null, result: null };
    document.getElementById('who').hidden = true;
    document.getElementById('sign-out').hidden = true;
    document.getElementById('views').hidden = true;
  }

  function signInView(message) {
    signedOut();
    var nameId = id('name');
    var passId = id('password');
    var error = el('p', { class: 'error', role: 'alert', id: id('error') }, message || '');
    var name = el('input', { id: nameId, name: 'name', type: 'text', autocomplete: 'username', required: true, spellcheck: 'false' });
    var password = el('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    var form = el(
      'form',
      { class: 'sign-in', novalidate: true, onsubmit: submit },
      el('div', { class: 'field' }, el('label', { for: nameId, text: t('signIn.name') }), name),
      el('div', { class: 'field' }, el('label', { for: passId, text: t('signIn.password') }), password),
      error,
      el('button', { type: 'submit', class: 'primary', text: t('signIn.submit') }),
    );
    function submit(e) {
      e.preventDefault();
      if (!name.value.trim() || !password.value) {
        error.textContent = t('signIn.missing');
        return;
      }
      error.textContent = '';
      api('POST', 'session', { name: name.value.trim(), password: password.value }).then(
        function (res) {
          if (res.status === 200 && res.data) {
            password.value = '';
            if (!window.location.hash || window.location.hash === '#') window.history.replaceState(null, '', '#guide');
            signedIn(res.data);
          } else if (res.status === 429) {
            var seconds = parseInt(res.headers.get('Retry-After') || '900', 10);
            error.textContent = t('signIn.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
          } else if (res.status === 401) {
            error.textContent = t('signIn.wrong');
            password.value = '';
            password.focus();
          } else error.textContent = problem(res);
        },
        function () {},
      );
    }
    show([el('h1', { text: t('signIn.title') }), el('p', { text: t('signIn.intro') }), form], true);
  }

  document.getElementById('sign-out').addEventListener('click', function () {
    api('DELETE', 'session').then(
      function () {
        signInView();
      },
      function () {},
    );
  });

  // ---- guiding a caller ----

  function guideSend(input) {
    var body = { input: input };
    if (guide.conversation && !input.start) body.conversation = guide.conversation;
    return api('POST', 'guide', body).then(
      function (res) {
        if (res.status !== 200 || !res.data) {
          say(problem(res));
          return;
        }
        guide.conversation = res.data.conversation;
        guide.messages = res.data.messages || [];
        guideView(true);
      },
      function () {},
    );
  }

  function linkTo(path, title) {
    return el('a', { href: path, target: '_blank', rel: 'noopener', text: title });
  }

  function list(items, ordered) {
    return el(
      ordered ? 'ol' : 'ul',
      {},
      items.map(function (x) {
        return el('li', { text: x });
      }),
    );
  }

  function section(level, title, body) {
    return el('section', { class: 'block' }, el('h' + level, { text: title }), body);
  }

  function collapsible(title, body) {
    return el('details', { class: 'more' }, el('summary', { text: title }), body);
  }

  function renderQuestion(m) {
    var q = m.question;
    var headId = id('q');
    return el(
      'section',
      { class: 'question', 'aria-labelledby': headId },
      el('h2', { id: headId, text: q.prompt }),
      q.help ? el('p', { class: 'help', text: q.help }) : null,
      el(
        'div',
        { class: 'options', role: 'group', 'aria-labelledby': headId },
        q.options.map(function (o) {
          return el('button', {
            type: 'button',
            class: 'option',
            onclick: function () {
              guideSend({ question: q.id, answer: o.value });
            },
            text: o.label,
          });
        }),
      ),
    );
  }

  function renderProcedure(p) {
    var parts = [el('h3', { text: p.heading }), p.applies ? el('p', { text: p.applies }) : null];
    if (p.materials.length)
      parts.push(
        section(
          4,
          t('guide.materials'),
          list(
            p.materials.map(function (x) {
              return x.text;
            }),
          ),
        ),
      );
    if (p.times.length) parts.push(section(4, t('guide.times'), list(p.times)));
    var steps = p.steps.map(function (s) {
      return s.onFail ? s.text + ' ' + s.onFail : s.text;
    });
    if (steps.length) parts.push(collapsible(t('guide.steps'), list(steps)));
    if (p.notes.length) parts.push(collapsible(t('guide.notes'), list(p.notes)));
    if (p.passwords.length) parts.push(collapsible(t('guide.passwords'), list(p.passwords)));
    if (p.contacts.length) parts.push(collapsible(t('guide.contacts'), list(p.contacts)));
    if (p.related.length) parts.push(collapsible(t('guide.related'), list(p.related)));
    if (p.flowchart) parts.push(el('p', {}, linkTo(p.flowchart.path, p.flowchart.title)));
    return el('section', { class: 'procedure' }, parts);
  }

  function renderOutcome(m) {
    var v = m.view;
    var parts = [el('h2', { text: v.title }), el('p', { class: 'summary', text: v.summary })];
    if (v.why.length)
      parts.push(
        section(
          3,
          t('guide.why'),
          el(
            'ul',
            { class: 'why' },
            v.why.map(function (w) {
              return el(
                'li',
                {},
                el('span', { text: w.text }),
                w.question
                  ? el('button', {
                      type: 'button',
                      class: 'secondary small',
                      onclick: function () {
                        guideSend({ change: w.question });
                      },
                      text: t('guide.change', { answer: w.text }),
                    })
                  : null,
              );
            }),
          ),
        ),
      );
    if (v.next) parts.push(section(3, t('guide.next'), el('p', { text: v.next })));
    if (v.notYet) parts.push(el('p', { text: v.notYet }));
    if (m.case) {
      var c = m.case;
      parts.push(
        el(
          'section',
          { class: 'block case-note' },
          el('h3', { text: t('guide.case') + ' ' + c.reference }),
          el('p', { text: c.referenceText }),
          c.expected.length ? list(c.expected) : null,
          el(
            'p',
            { class: 'links' },
            c.checklist ? linkTo(c.checklist.path, t('guide.checklist', { reference: c.reference })) : null,
            el('a', { href: '#case/' + encodeURIComponent(c.reference), text: t('guide.openCase', { reference: c.reference }) }),
          ),
        ),
      );
    }
    v.procedures.forEach(function (p) {
      parts.push(renderProcedure(p));
    });
    if (v.guide) parts.push(collapsible(v.guide.title, list(v.guide.steps)));
    if (v.passwords.length) parts.push(collapsible(t('guide.passwords'), list(v.passwords)));
    if (v.contacts.length) parts.push(collapsible(t('guide.contacts'), list(v.contacts)));
    return el('section', { class: 'outcome', 'aria-label': t('guide.outcome') }, parts);
  }

  function renderMessage(m) {
    if (m.type === 'question') return renderQuestion(m);
    if (m.type === 'outcome') return renderOutcome(m);
    if (m.type === 'understood') return el('p', { class: 'understood' }, el('strong', { text: t('guide.understood') + ' ' }), m.text);
    return el('p', { class: 'msg ' + (m.role || 'text') }, m.text, m.link ? [' ', linkTo(m.link.path, m.link.title)] : null);
  }

  function guideView(answered) {
    var parts = [el('h1', { text: t('guide.title') })];
    if (!guide.conversation) {
      parts.push(
        el('p', { text: t('guide.intro') }),
        el('button', {
          type: 'button',
          class: 'primary',
          onclick: function () {
            guideSend({ start: true });
          },
          text: t('guide.start'),
        }),
      );
      show(parts);
      return;
    }
    var textId = id('said');
    var input = el('input', { id: textId, type: 'text', autocomplete: 'off' });
    parts.push(
      el('div', { class: 'turn' }, guide.messages.map(renderMessage)),
      el(
        'form',
        {
          class: 'say',
          onsubmit: function (e) {
            e.preventDefault();
            var text = input.value.trim();
            if (text)
              guideSend({ text: text }).then(function () {
                focusSay();
              });
          },
        },
        el('label', { for: textId, text: t('guide.textLabel') }),
        el('div', { class: 'say-row' }, input, el('button', { type: 'submit', class: 'primary', text: t('guide.send') })),
      ),
      el(
        'div',
        { class: 'controls', role: 'group', 'aria-label': t('guide.turn') },
        el('button', {
          type: 'button',
          class: 'secondary',
          onclick: function () {
            guideSend({ command: 'back' });
          },
          text: t('guide.back'),
        }),
        el('button', {
          type: 'button',
          class: 'secondary',
          onclick: function () {
            guideSend({ command: 'restart' });
          },
          text: t('guide.restart'),
        }),
        el('button', {
          type: 'button',
          class: 'secondary',
          onclick: function () {
            guideSend({ start: true });
          },
          text: t('guide.start'),
        }),
      ),
    );
    show(parts);
    // After an answer, the reader starts at the new question or outcome rather than the page's top.
    var first = answered && view.querySelector('.turn h2');
    if (first) {
      first.setAttribute('tabindex', '-1');
      first.focus();
    }
  }
  function focusSay() {
    var input = view.querySelector('.say input');
    if (input) input.focus();
  }

  // ---- finding a case ----

  function findView() {
    var p = search.params || {};
    var ids = {
      text: id('text'),
      hint: id('hint'),
      status: id('status'),
      statuses: id('statuses'),
      procedure: id('procedure'),
      from: id('from'),
      to: id('to'),
      callback: id('cb'),
    };
    var text = el('input', { id: ids.text, type: 'search', value: p.text || '', 'aria-describedby': ids.hint, autocomplete: 'off' });
    var status = el('input', { id: ids.status, type: 'text', list: ids.statuses, value: p.status || '', autocomplete: 'off' });
    var procedure = el(
      'select',
      { id: ids.procedure },
      el('option', { value: '', text: t('find.any') }),
      config.procedures.map(function (x) {
        return el('option', { value: x.id, selected: p.procedure === x.id, text: x.label });
      }),
    );
    var from = el('input', { id: ids.from, type: 'date', value: p.from || '' });
    var to = el('input', { id: ids.to, type: 'date', value: p.to || '' });
    var callback = el('input', { id: ids.callback, type: 'checkbox', checked: p.callback === 'true' });
    var results = el('div', { class: 'results' });
    var form = el(
      'form',
      {
        class: 'find',
        role: 'search',
        onsubmit: function (e) {
          e.preventDefault();
          var params = { text: text.value.trim(), status: status.value.trim(), procedure: procedure.value, from: from.value, to: to.value };
          if (callback.checked) params.callback = 'true';
          runSearch(params, 1, results);
        },
      },
      el('div', { class: 'field wide' }, el('label', { for: ids.text, text: t('find.text') }), text, el('p', { id: ids.hint, class: 'hint', text: t('find.textHint') })),
      el(
        'div',
        { class: 'filters' },
        el(
          'div',
          { class: 'field' },
          el('label', { for: ids.status, text: t('find.status') }),
          status,
          el(
            'datalist',
            { id: ids.statuses },
            config.statuses.map(function (s) {
              return el('option', { value: s });
            }),
          ),
        ),
        el('div', { class: 'field' }, el('label', { for: ids.procedure, text: t('find.procedure') }), procedure),
        el('div', { class: 'field' }, el('label', { for: ids.from, text: t('find.from') }), from),
        el('div', { class: 'field' }, el('label', { for: ids.to, text: t('find.to') }), to),
      ),
      el('div', { class: 'check' }, callback, el('label', { for: ids.callback, text: t('find.callback') })),
      el('button', { type: 'submit', class: 'primary', text: t('find.search') }),
    );
    show([el('h1', { text: t('find.title') }), form, results]);
    if (search.result) renderResults(search.result, results);
  }

  function runSearch(params, page, results) {
    var query = Object.keys(params)
      .filter(function (k) {
        return params[k];
      })
      .map(function (k) {
        return k + '=' + encodeURIComponent(params[k]);
      });
    query.push('page=' + page, 'pageSize=20');
    api('GET', 'cases?' + query.join('&')).then(
      function (res) {
        if (res.status !== 200 || !res.data) {
          say(problem(res));
          return;
        }
        search = { params: params, result: res.data };
        renderResults(res.data, results);
        say(t('find.results', { total: res.data.total }));
      },
      function () {},
    );
  }

  function renderResults(r, results) {
    results.textContent = '';
    if (!r.cases.length) {
      append(results, el('p', { class: 'count', text: t('find.none') }));
      return;
    }
    var pages = Math.max(1, Math.ceil(r.total / r.pageSize));
    var head = ['reference', 'created', 'procedures', 'status', 'enterprise', 'mobile', 'agent'];
    append(results, [
      el('p', { class: 'count', text: t('find.results', { total: r.total }) }),
      el(
        'table',
        { class: 'cases' },
        el('caption', { text: t('find.caption') }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            head.map(function (h) {
              return el('th', { scope: 'col', text: t('find.' + h) });
            }),
          ),
        ),
        el(
          'tbody',
          {},
          r.cases.map(function (c) {
            return el(
              'tr',
              {},
              el('th', { scope: 'row' }, el('a', { href: '#case/' + encodeURIComponent(c.reference), text: c.reference })),
              el('td', { text: c.createdOn }),
              el('td', { text: labels(c.procedures) }),
              el('td', { text: c.status.label }),
              el('td', { text: c.enterpriseName || '' }),
              el('td', { class: 'nowrap', text: c.mobile || '' }),
              el('td', { text: c.agent || '' }),
            );
          }),
        ),
      ),
      pages > 1
        ? el(
            'div',
            { class: 'pager' },
            el('button', {
              type: 'button',
              class: 'secondary',
              disabled: r.page <= 1,
              onclick: function () {
                runSearch(search.params, r.page - 1, results);
              },
              text: t('find.previous'),
            }),
            el('span', { text: t('find.page', { page: r.page, pages: pages }) }),
            el('button', {
              type: 'button',
              class: 'secondary',
              disabled: r.page >= pages,
              onclick: function () {
                runSearch(search.params, r.page + 1, results);
              },
              text: t('find.nextPage'),
            }),
          )
        : null,
    ]);
  }

  // ---- one case ----

  function caseView(ref, message) {
    api('GET', 'cases/' + encodeURIComponent(ref)).then(
      function (res) {
        if (res.status !== 200 || !res.data) {
          show([el('h1', { text: t('case.title', { reference: ref }) }), el('p', { class: 'error', role: 'alert', text: problem(res) })]);
          return;
        }
        renderCase(res.data);
        if (message) say(message);
      },
      function () {},
    );
  }

  function dl(pairs) {
    return el(
      'dl',
      { class: 'facts' },
      pairs
        .filter(function (p) {
          return p[1];
        })
        .map(function (p) {
          return [el('dt', { text: p[0] }), el('dd', { text: p[1] })];
        }),
    );
  }

  function renderCase(data) {
    var c = data.case;
    var parts = [
      el('h1', { text: t('case.title', { reference: c.reference }) }),
      search.result ? el('p', {}, el('a', { href: '#find', text: t('case.backToList') })) : null,
      dl([
        [t('case.status'), c.status.label],
        [t('case.procedures'), labels(c.procedures)],
        [t('case.created'), c.createdOn],
        [t('case.channel'), c.channel],
        [t('case.agent'), c.agent],
      ]),
      c.checklistPath ? el('p', {}, linkTo(c.checklistPath, t('case.checklist'))) : null,
    ];
    parts.push(moveForm(c, data));
    parts.push(
      section(
        2,
        t('case.timeline'),
        el(
          'ol',
          { class: 'timeline' },
          c.timeline.map(function (e) {
            return el(
              'li',
              {},
              el('strong', { text: e.label }),
              ' ',
              el('span', { class: 'when', text: when(e.at) }),
              e.agent ? ' ' + t('case.by', { agent: e.agent }) : null,
              e.remark ? el('p', { class: 'remark', text: e.remark }) : null,
              e.resubmit && e.resubmit.length ? el('p', { text: t('case.resubmitList', { materials: labels(e.resubmit) }) }) : null,
              e.changedFrom && e.changedFrom.length ? el('p', { class: 'revised', text: t('case.changedFrom', { procedures: labels(e.changedFrom) }) }) : null,
              e.changedAnswers && e.changedAnswers.length
                ? el(
                    'ul',
                    { class: 'changed-answers' },
                    e.changedAnswers.map(function (a) {
                      return el('li', {
                        text: t('case.answerChanged', {
                          question: a.questionLabel,
                          from: a.from ? a.from.label : t('case.notAsked'),
                          to: a.to ? a.to.label : t('case.notAsked'),
                        }),
                      });
                    }),
                  )
                : null,
            );
          }),
        ),
      ),
    );
    if (c.why.length)
      parts.push(
        section(
          2,
          t('case.why'),
          list(
            c.why.map(function (w) {
              return w.questionLabel + (lang === 'en' ? ': ' : '：') + w.answerLabel;
            }),
          ),
        ),
      );
    if (c.expected.length)
      parts.push(
        section(
          2,
          t('case.expected'),
          list(
            c.expected.map(function (x) {
              return t('case.expectedLine', { label: x.label, days: x.workingDays, end: x.end });
            }),
          ),
        ),
      );
    var contact = c.contact || {};
    var hasContact = contact.enterpriseName || contact.creditCode || contact.mobile;
    parts.push(
      section(
        2,
        t('case.contact'),
        hasContact
          ? [
              dl([
                [t('case.enterpriseName'), contact.enterpriseName],
                [t('case.creditCode'), contact.creditCode],
                [t('case.mobile'), contact.mobile],
              ]),
              el('button', {
                type: 'button',
                class: 'danger',
                onclick: function () {
                  eraseContact(c);
                },
                text: t('case.erase'),
              }),
            ]
          : el('p', { text: t('case.noContact') }),
      ),
    );
    if (c.transcript.length)
      parts.push(
        section(
          2,
          t('case.transcript'),
          el(
            'ol',
            { class: 'transcript' },
            c.transcript.map(function (x) {
              return el(
                'li',
                { class: x.from },
                el('strong', { text: (x.from === 'user' ? t('case.fromUser') : t('case.fromBot')) + ' ' }),
                el('span', { class: 'when', text: when(x.at) }),
                el('p', { text: x.text }),
              );
            }),
          ),
        ),
      );
    show(parts);
  }

  function moveForm(c, data) {
    if (!data.transitions.length) return section(2, t('case.move'), el('p', { text: t('case.noTransitions') }));
    var ids = { to: id('to'), remark: id('remark') };
    var to = el(
      'select',
      { id: ids.to, required: true },
      el('option', { value: '', text: t('case.choose') }),
      data.transitions.map(function (x) {
        return el('option', { value: x.to, text: x.label });
      }),
    );
    var remark = el('textarea', { id: ids.remark, rows: '3' });
    var resubmit = el(
      'fieldset',
      { class: 'resubmit', hidden: true },
      el('legend', { text: t('case.resubmit') }),
      data.materials.map(function (m) {
        var mid = id('m');
        return el('div', { class: 'check' }, el('input', { id: mid, type: 'checkbox', value: m.id }), el('label', { for: mid, text: m.label }));
      }),
    );
    var error = el('p', { class: 'error', role: 'alert' });
    function chosen() {
      return data.transitions.filter(function (x) {
        return x.to === to.value;
      })[0];
    }
    to.addEventListener('change', function () {
      var x = chosen();
      resubmit.hidden = !(x && x.reject && data.materials.length);
      remark.required = !!(x && x.needsRemark);
    });
    return el(
      'form',
      {
        class: 'move block',
        onsubmit: function (e) {
          e.preventDefault();
          var x = chosen();
          error.textContent = '';
          if (!x) {
            error.textContent = t('case.choose');
            return;
          }
          if (x.needsRemark && !remark.value.trim()) {
            error.textContent = t('case.remarkNeeded');
            remark.focus();
            return;
          }
          var body = { to: x.to, version: c.version };
          if (remark.value.trim()) body.remark = remark.value.trim();
          if (x.reject) {
            var picked = Array.prototype.map.call(resubmit.querySelectorAll('input:checked'), function (i) {
              return i.value;
            });
            if (picked.length) body.resubmit = picked;
          }
          api('POST', 'cases/' + encodeURIComponent(c.reference) + '/transitions', body).then(
            function (res) {
              if (res.status === 200 && res.data) {
                renderCase(res.data);
                say(t('case.moved', { status: res.data.case.status.label }));
              } else if (res.status === 409) caseView(c.reference, t('case.conflict'));
              else error.textContent = problem(res);
            },
            function () {},
          );
        },
      },
      el('h2', { text: t('case.move') }),
      el('div', { class: 'field' }, el('label', { for: ids.to, text: t('case.to') }), to),
      el('div', { class: 'field wide' }, el('label', { for: ids.remark, text: t('case.remark') }), remark),
      resubmit,
      error,
      el('button', { type: 'submit', class: 'primary', text: t('case.apply') }),
    );
  }

  function eraseContact(c) {
    if (!window.confirm(t('case.eraseConfirm', { reference: c.reference }))) return;
    api('DELETE', 'cases/' + encodeURIComponent(c.reference) + '/contact', { version: c.version }).then(
      function (res) {
        if (res.status === 200 && res.data) {
          renderCase(res.data);
          say(t('case.erased'));
        } else if (res.status === 409) caseView(c.reference, t('case.conflict'));
        else say(problem(res));
      },
      function () {},
    );
  }

  // ---- call-backs ----

  function callbacksView(message) {
    api('GET', 'callbacks').then(
      function (res) {
        if (res.status !== 200 || !res.data) {
          show([el('h1', { text: t('callbacks.title') }), el('p', { class: 'error', role: 'alert', text: problem(res) })]);
          return;
        }
        var items = res.data.callbacks;
        show(
          [
            el('h1', { text: t('callbacks.title') }),
            el('p', { text: t('callbacks.intro') }),
            items.length ? el('ul', { class: 'callbacks' }, items.map(renderCallback)) : el('p', { text: t('callbacks.none') }),
          ],
          !!message,
        );
        if (message) say(message);
      },
      function () {},
    );
  }

  function renderCallback(cb) {
    var ref = cb.reference;
    function act(what, done) {
      api('POST', 'callbacks/' + encodeURIComponent(ref) + '/' + what, {}).then(
        function (res) {
          if (res.status === 200) callbacksView(done());
          else if (res.status === 409) callbacksView(t('callbacks.claimedByOther'));
          else say(problem(res));
        },
        function () {},
      );
    }
    var mine = session && cb.claimedBy === session.name;
    return el(
      'li',
      { class: 'callback block' },
      el('h2', {}, el('a', { href: '#case/' + encodeURIComponent(ref), 'aria-label': t('callbacks.openCase', { reference: ref }), text: ref })),
      dl([
        [t('case.status'), cb.status.label],
        [t('case.procedures'), labels(cb.procedures)],
        [t('case.enterpriseName'), cb.enterpriseName],
        [t('case.mobile'), cb.mobile],
      ]),
      el('p', { text: t('callbacks.requested', { at: when(cb.requestedAt) }) + (cb.claimedBy ? ' · ' + t('callbacks.claimedBy', { name: cb.claimedBy }) : '') }),
      cb.transcript && cb.transcript.length
        ? collapsible(
            t('callbacks.context'),
            el(
              'ol',
              { class: 'transcript' },
              cb.transcript.map(function (x) {
                return el('li', { class: x.from }, el('strong', { text: (x.from === 'user' ? t('case.fromUser') : t('case.fromBot')) + ' ' }), x.text);
              }),
            ),
          )
        : null,
      el(
        'div',
        { class: 'controls' },
        !cb.claimedBy
          ? el('button', {
              type: 'button',
              class: 'primary',
              onclick: function () {
                act('claim', function () {
                  return t('callbacks.claimed', { reference: ref });
                });
              },
              text: t('callbacks.claim', { reference: ref }),
            })
          : null,
        !cb.claimedBy || mine
          ? el('button', {
              type: 'button',
              class: 'secondary',
              onclick: function () {
                act('resolve', function () {
                  return t('callbacks.resolved', { reference: ref });
                });
              },
              text: t('callbacks.resolve', { reference: ref }),
            })
          : null,
      ),
    );
  }

  // ---- figures ----

  function table(caption, head, rows) {
    if (!rows.length) return section(2, caption, el('p', { text: t('figures.none') }));
    return el(
      'table',
      { class: 'figures' },
      el('caption', { text: caption }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          head.map(function (h, i) {
            return el('th', { scope: 'col', class: i ? 'num' : null, text: h });
          }),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map(function (r) {
          return el(
            'tr',
            {},
            r.map(function (cell, i) {
              return i ? el('td', { class: typeof cell === 'number' ? 'num' : null, text: String(cell) }) : el('th', { scope: 'row', text: String(cell) });
            }),
          );
        }),
      ),
    );
  }

  function figuresView() {
    api('GET', 'figures').then(
      function (res) {
        if (res.status !== 200 || !res.data) {
          show([el('h1', { text: t('figures.title') }), el('p', { class: 'error', role: 'alert', text: problem(res) })]);
          return;
        }
        var f = res.data;
        show([
          el('h1', { text: t('figures.title') }),
          el(
            'div',
            { class: 'figure-grid' },
            table(
              t('figures.byStatus'),
              [t('figures.label'), t('figures.count')],
              f.byStatus.map(function (x) {
                return [x.label, x.count];
              }),
            ),
            table(
              t('figures.byProcedure'),
              [t('figures.label'), t('figures.count')],
              f.byProcedure.map(function (x) {
                return [x.label, x.count];
              }),
            ),
          ),
          table(
            t('figures.overdue'),
            [t('figures.reference'), t('figures.stage'), t('figures.due')],
            f.overdue.map(function (x) {
              return [x.reference, x.label, x.due];
            }),
          ),
          table(
            t('figures.feedback'),
            [t('figures.procedure'), t('figures.helpful'), t('figures.notHelpful')],
            f.feedback.map(function (x) {
              return [x.label, x.helpful, x.notHelpful];
            }),
          ),
          table(
            t('figures.notUnderstood'),
            [t('figures.text'), t('figures.at')],
            f.notUnderstood.map(function (x) {
              return [x.text, when(x.at)];
            }),
          ),
        ]);
      },
      function () {},
    );
  }

  // ---- the address decides the view ----

  function route() {
    if (!session) return;
    var hash = decodeURIComponent(window.location.hash.replace(/^#/, '')) || 'guide';
    var name = hash.split('/')[0];
    document.querySelectorAll('#views a').forEach(function (a) {
      if (a.getAttribute('data-view') === name || (name === 'case' && a.getAttribute('data-view') === 'find')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (name === 'case') caseView(hash.slice(5));
    else if (name === 'find') findView();
    else if (name === 'callbacks') callbacksView();
    else if (name === 'figures' && session.role === 'supervisor') figuresView();
    else guideView(false);
  }
  window.addEventListener('hashchange', route);

  // The language link keeps the view the agent is on.
  var langLink = document.getElementById('lang-switch');
  langLink.addEventListener('click', function () {
    langLink.setAttribute('href', langLink.getAttribute('href').split('#')[0] + window.location.hash);
  });

  api('GET', 'session').then(
    function (res) {
      if (res.status === 200 && res.data) signedIn(res.data);
      else signInView();
    },
    function () {},
  );
})();
