/*
 * The assistant on the page: the official Web Chat over Direct Line (this server's own, or Azure's when
 * the server holds a DIRECTLINE_SECRET), with Web Chat's default connection (WebSocket, the streamUrl of
 * the conversation). The conversation id and token are kept in sessionStorage so that a reload
 * reconnects to the same conversation; closing the tab ends it.
 */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ekey-config').textContent);
  var strings = config.strings;
  var KEY = 'ekey.directline';
  var statusEl = document.getElementById('status');
  var chatEl = document.getElementById('chat');
  var directLine;
  var store;
  /* A narrow screen: no avatars, so that cards and bubbles take the whole width of the chat. */
  var narrow = window.matchMedia && window.matchMedia('(max-width: 600px)').matches;

  function setStatus(text) {
    statusEl.textContent = text || '';
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
      return saved && saved.conversationId && saved.token && saved.domain ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save(session) {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(session));
    } catch (e) {
      /* Storage may be off (private mode): the conversation then lasts as long as the page. */
    }
  }

  function forget() {
    try {
      sessionStorage.removeItem(KEY);
    } catch (e) {
      /* nothing kept */
    }
  }

  /* The user id the service gave this browser: sent back so that what a case said meanwhile is delivered. */
  var USER_KEY = 'ekey.user';
  function knownUser() {
    try {
      return localStorage.getItem(USER_KEY) || '';
    } catch (e) {
      return '';
    }
  }
  function keepUser(id) {
    try {
      if (id) localStorage.setItem(USER_KEY, id);
    } catch (e) {
      /* Storage may be off: notices then wait for nothing. */
    }
  }

  function post(url, token, body) {
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(url, {
      method: 'POST',
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  /* A new conversation: the server hands out the token (and says which Direct Line to use). */
  function fresh() {
    var user = knownUser();
    return post(config.tokenUrl, undefined, user ? { userId: user } : undefined).then(function (t) {
      keepUser(t.userId);
      var session = { conversationId: t.conversationId, token: t.token, domain: t.domain, userId: t.userId, lang: config.lang, resumed: false };
      save(session);
      return session;
    });
  }

  /* The saved conversation, with a new token, or null when it has ended or the token is too old. */
  function resume(saved) {
    return post(saved.domain + '/tokens/refresh', saved.token).then(
      function (t) {
        saved.token = t.token;
        saved.resumed = true;
        save(saved);
        return saved;
      },
      function () {
        forget();
        return null;
      },
    );
  }

  /*
   * An input method (拼音, 五笔...) confirms its candidate with Enter; that Enter must not send the
   * half-typed message. Web Chat sends on Enter, so the key is stopped before it sees it while a
   * composition is going on (and just after, for browsers that end it before the key event).
   */
  function guardComposition(root) {
    var composing = false;
    var endedAt = 0;
    root.addEventListener(
      'compositionstart',
      function () {
        composing = true;
      },
      true,
    );
    root.addEventListener(
      'compositionend',
      function () {
        composing = false;
        endedAt = Date.now();
      },
      true,
    );
    function guard(e) {
      if (e.key !== 'Enter' && e.keyCode !== 13 && e.keyCode !== 229) return;
      if (!root.contains(e.target)) return;
      if (e.isComposing || composing || e.keyCode === 229 || Date.now() - endedAt < 80) e.stopPropagation();
    }
    window.addEventListener('keydown', guard, true);
    window.addEventListener('keypress', guard, true);
  }

  /* The reader's 大字版 and contrast choices (display.js applied them to <html> before the first paint). */
  var DISPLAY_KEY = 'ekey.display';
  var root = document.documentElement;
  function large() {
    return root.classList.contains('large');
  }
  function contrast() {
    return root.classList.contains('contrast');
  }

  /* Web Chat's colours: the page's own, or white and yellow on black in the high-contrast mode (each pair at least 7:1). */
  function palette() {
    if (contrast())
      return {
        ink: '#ffffff',
        paper: '#000000',
        accent: '#ffff00',
        line: '#ffffff',
        soft: '#000000',
        subtle: '#ffffff',
        userPaper: '#000000',
        userInk: '#ffff00',
        good: '#7dff7d',
        warning: '#ffd27a',
        attention: '#ff9c9c',
      };
    return {
      ink: '#111111',
      paper: '#ffffff',
      accent: '#0a4a8f',
      line: '#5a5a5a',
      soft: '#f3f3f3',
      subtle: '#3d3d3d',
      userPaper: '#0a4a8f',
      userInk: '#ffffff',
      good: '#1e5e22',
      warning: '#7a4700',
      attention: '#a3001b',
    };
  }

  /* Web Chat's text follows the page's root size by itself; only its sizes in pixels are scaled here. */
  function styleOptions() {
    var c = palette();
    var k = large() ? 1.5 : 1;
    return {
      accent: c.accent,
      backgroundColor: c.paper,
      primaryFont: getComputedStyle(document.body).fontFamily,
      fontSizeSmall: '85%',
      avatarSize: 40 * k,
      bubbleBackground: c.soft,
      bubbleBorderColor: c.line,
      bubbleBorderWidth: contrast() ? 2 : 1,
      bubbleTextColor: c.ink,
      bubbleFromUserBackground: c.userPaper,
      bubbleFromUserTextColor: c.userInk,
      bubbleFromUserBorderColor: c.userInk,
      bubbleFromUserBorderWidth: contrast() ? 2 : 1,
      bubbleMaxWidth: 720 * k,
      bubbleMinHeight: 40 * k,
      subtle: c.subtle,
      timestampColor: c.subtle,
      sendBoxBackground: c.paper,
      sendBoxHeight: 56 * k,
      sendBoxMaxHeight: 200 * k,
      sendBoxTextColor: c.ink,
      sendBoxPlaceholderColor: c.subtle,
      sendBoxButtonColor: c.accent,
      sendBoxButtonColorOnHover: c.ink,
      sendBoxButtonColorOnFocus: c.ink,
      sendBoxBorderTop: 'solid 2px ' + c.line,
      suggestedActionLayout: 'flow',
      suggestedActionBackgroundColor: c.paper,
      suggestedActionBackgroundColorOnHover: c.soft,
      suggestedActionBorderColor: c.accent,
      suggestedActionBorderWidth: 2,
      suggestedActionTextColor: c.accent,
      suggestedActionHeight: 44 * k,
      suggestedActionKeyboardFocusIndicatorBorderColor: c.ink,
      transcriptActivityVisualKeyboardIndicatorColor: c.ink,
      transcriptVisualKeyboardIndicatorColor: c.ink,
      transcriptTerminatorColor: c.subtle,
      transcriptTerminatorFontSize: 14 * k,
      hideUploadButton: true,
      botAvatarInitials: narrow ? undefined : strings.botInitials,
      userAvatarInitials: narrow ? undefined : strings.userInitials,
      botAvatarBackgroundColor: contrast() ? c.line : undefined,
      userAvatarBackgroundColor: contrast() ? c.userInk : undefined,
      bubbleMinWidth: narrow ? 0 : undefined,
      bubbleNubSize: narrow ? 0 : undefined,
      bubbleFromUserNubSize: narrow ? 0 : undefined,
      rootHeight: '100%',
    };
  }

  /* Cards in the page's type and at its size: Adaptive Cards' defaults (12-14 px) are too small to read comfortably. */
  function cardHostConfig() {
    var c = palette();
    var k = large() ? 1.5 : 1;
    var font = {
      fontFamily: getComputedStyle(document.body).fontFamily,
      fontSizes: { small: 15 * k, default: 17 * k, medium: 19 * k, large: 22 * k, extraLarge: 26 * k },
      fontWeights: { lighter: 400, default: 400, bolder: 700 },
    };
    return {
      supportsInteractivity: true,
      // The cards' section titles are headings below the page's own (h1) and the answer's (h2).
      textBlock: { headingLevel: 3 },
      fontTypes: { default: font, monospace: font },
      spacing: { small: 6, default: 10, medium: 16, large: 22, extraLarge: 30, padding: 14 },
      separator: { lineThickness: 1, lineColor: c.line },
      actions: { maxActions: 100, buttonSpacing: 8, showCard: { actionMode: 'inline', inlineTopMargin: 8 }, actionsOrientation: 'vertical', actionAlignment: 'stretch' },
      containerStyles: {
        default: {
          backgroundColor: c.paper,
          foregroundColors: {
            default: { default: c.ink, subtle: c.subtle },
            accent: { default: c.accent, subtle: c.accent },
            good: { default: c.good, subtle: c.good },
            warning: { default: c.warning, subtle: c.warning },
            attention: { default: c.attention, subtle: c.attention },
          },
        },
        emphasis: { backgroundColor: c.soft, foregroundColors: { default: { default: c.ink, subtle: c.subtle } } },
      },
    };
  }

  var webChatProps = null;
  function drawWebChat() {
    if (!webChatProps) return;
    webChatProps.styleOptions = styleOptions();
    webChatProps.adaptiveCardsHostConfig = cardHostConfig();
    window.WebChat.renderWebChat(webChatProps, chatEl);
  }

  /* A switch in the page bar: its state on <html> and in localStorage, and Web Chat drawn again to match. */
  function displaySwitch(id, name) {
    var button = document.getElementById(id);
    button.setAttribute('aria-pressed', String(root.classList.contains(name)));
    button.addEventListener('click', function () {
      var on = !root.classList.contains(name);
      root.classList.toggle(name, on);
      button.setAttribute('aria-pressed', String(on));
      try {
        localStorage.setItem(DISPLAY_KEY, JSON.stringify({ large: large(), contrast: contrast() }));
      } catch (e) {
        /* Storage off: the choice lasts as long as the page. */
      }
      drawWebChat();
    });
  }

  /*
   * What is typed in the send box outlives a reload (the language the answers come in, a new token, the
   * reader's own F5): it is kept in sessionStorage as the page goes and put back when Web Chat is drawn.
   */
  var DRAFT_KEY = 'ekey.draft';
  function sendBoxInput() {
    return chatEl.querySelector('[data-id="webchat-sendbox-input"]');
  }
  function draftText() {
    return store ? store.getState().sendBoxValue || '' : '';
  }
  function keepDraft() {
    var input = sendBoxInput();
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ text: draftText(), focused: !!input && document.activeElement === input }));
    } catch (e) {
      /* Storage off: the draft goes with the page. */
    }
  }
  function restoreDraft() {
    var draft;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null');
      sessionStorage.removeItem(DRAFT_KEY);
    } catch (e) {
      draft = null;
    }
    if (!draft) return;
    if (draft.text) store.dispatch({ type: 'WEB_CHAT/SET_SEND_BOX', payload: { text: String(draft.text) } });
    if (!draft.focused) return;
    // Web Chat draws its send box a moment after renderWebChat returns.
    var tries = 0;
    (function focusWhenDrawn() {
      var input = sendBoxInput();
      if (input) input.focus();
      else if (++tries < 50) setTimeout(focusWhenDrawn, 100);
    })();
  }
  window.addEventListener('pagehide', keepDraft);

  function render(session) {
    directLine = window.WebChat.createDirectLine({
      token: session.token,
      domain: session.domain,
      // Reconnecting from watermark 0 replays the transcript: Web Chat keeps none of its own across a reload.
      conversationId: session.resumed ? session.conversationId : undefined,
      watermark: session.resumed ? '0' : undefined,
      conversationStartProperties: { locale: config.webChatLocale },
    });
    var failed = false;
    directLine.connectionStatus$.subscribe(function (status) {
      if (status === 2) setStatus('');
      // 3: the token expired (a device asleep past its lifetime), 4: failed to connect, 5: ended.
      if ((status === 3 || status === 4 || status === 5) && !failed) {
        failed = true;
        forget();
        // A reconnected conversation that has since ended gives way to a new one, once.
        if (session.resumed || status === 3) start(true);
        else setStatus(strings.failed);
      }
    });
    // Keep the latest token, which the client refreshes by itself, for the next reload.
    setInterval(function () {
      if (directLine.token && directLine.token !== session.token) {
        session.token = directLine.token;
        save(session);
      }
    }, 30000);
    // A conversation started anew after a failure keeps what was being typed in the old one.
    if (store) keepDraft();
    store = window.WebChat.createStore({}, function () {
      return function (next) {
        return function (action) {
          if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') followLanguage(action.payload.activity);
          return next(action);
        };
      };
    });
    webChatProps = {
      directLine: directLine,
      store: store,
      userID: session.userId,
      locale: config.webChatLocale,
      nonce: config.nonce,
      overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: strings.placeholder },
    };
    drawWebChat();
    restoreDraft();
  }

  function start(afterFailure) {
    setStatus(strings.connecting);
    var saved = afterFailure ? null : load();
    // A reload of the plain address keeps the language the conversation was switched to.
    if (saved && saved.lang && saved.lang !== config.lang && !config.langInUrl) {
      window.location.replace('?lang=' + encodeURIComponent(saved.lang) + (document.body.classList.contains('embed') ? '&embed=1' : ''));
      return;
    }
    if (saved) {
      saved.lang = config.lang;
      save(saved);
    }
    (saved ? resume(saved) : Promise.resolve(null))
      .then(function (session) {
        return session || fresh();
      })
      .then(render, function () {
        setStatus(strings.failed);
      });
  }

  /*
   * The assistant answers in the language the user writes in: when its latest answer comes in another
   * language than the page's, the page follows (its words, Web Chat's, the send box), keeping the
   * conversation, and remembers the choice for the next reload. Replayed history is older than the last
   * answer, so only the answer that settles last counts.
   */
  var languageTimer;
  function followLanguage(activity) {
    if (!activity || activity.type !== 'message' || !activity.from || activity.from.role !== 'bot') return;
    var lang = activity.locale === 'en' || activity.locale === 'zh-CN' ? activity.locale : null;
    clearTimeout(languageTimer);
    if (!lang || lang === config.lang) return;
    languageTimer = setTimeout(function follow() {
      // Never while the reader is typing: the switch waits until the send box is empty (the draft would survive, but not the reader's flow).
      if (draftText()) {
        languageTimer = setTimeout(follow, 1200);
        return;
      }
      var saved = load();
      if (saved) {
        saved.lang = lang;
        save(saved);
      }
      window.location.replace('?lang=' + encodeURIComponent(lang) + (document.body.classList.contains('embed') ? '&embed=1' : ''));
    }, 1200);
  }

  /* The bar by the send box: each button says its words, which the conversation reads as the command. */
  Array.prototype.forEach.call(document.querySelectorAll('#controls button[data-say]'), function (button) {
    button.addEventListener('click', function () {
      if (store) store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text: button.getAttribute('data-say') } });
    });
  });

  /* The language switch tells the conversation first, so that it answers in the new language, then reloads the page in it. */
  document.getElementById('lang-switch').addEventListener('click', function (e) {
    var href = this.href;
    var lang = this.getAttribute('hreflang');
    if (!directLine) return;
    e.preventDefault();
    var saved = load();
    if (saved) {
      saved.lang = lang;
      save(saved);
    }
    var go = function () {
      window.location.assign(href);
    };
    var timer = setTimeout(go, 3000);
    directLine.postActivity({ type: 'event', name: 'ekey/language', value: lang, from: { id: (load() || {}).userId || 'user' } }).subscribe(
      function () {
        clearTimeout(timer);
        go();
      },
      function () {
        clearTimeout(timer);
        go();
      },
    );
  });

  document.getElementById('restart').addEventListener('click', function () {
    forget();
    // A new conversation starts with an empty send box.
    window.removeEventListener('pagehide', keepDraft);
    window.location.reload();
  });

  /*
   * In embed.js's frame, Escape closes the assistant from inside too: key presses in a frame never reach the
   * host page, where embed.js listens. Web Chat's own uses of Escape (leaving an answer) take the key first.
   */
  if (document.body.classList.contains('embed') && window.parent !== window) {
    window.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && !e.defaultPrevented) window.parent.postMessage({ type: 'ekey/escape' }, '*');
    });
  }

  displaySwitch('large-text', 'large');
  displaySwitch('high-contrast', 'contrast');
  guardComposition(chatEl);
  if (!window.WebChat) setStatus(strings.failed);
  else start(false);
})();
