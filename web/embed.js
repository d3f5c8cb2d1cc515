/*
 * Embeds the e-key assistant in another site with one script element:
 *   <script src="https://<this server>/embed.js" data-lang="zh-CN" async></script>
 * It adds a button that opens the assistant in a frame served by this server (so the host page needs
 * no Web Chat of its own); data-target="#some-element" puts the frame inside that element instead.
 * The frame's page gets its conversation token by POST from its own origin, so the host page needs no
 * token of its own; the host's origin must be in EKEY_WIDGET_ORIGINS for the frame to be allowed.
 * A site running Web Chat itself asks POST /api/directline/token (GET answers 405).
 */
(function () {
  'use strict';
  var LABELS = __EKEY_LABELS__;
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var lang = script.getAttribute('data-lang') === 'en' ? 'en' : 'zh-CN';
  var labels = LABELS[lang];
  var target = script.getAttribute('data-target');

  function frame() {
    var f = document.createElement('iframe');
    f.src = base + '/?embed=1&lang=' + encodeURIComponent(lang);
    f.title = labels.title;
    f.setAttribute('allow', 'clipboard-write');
    f.style.border = '2px solid #5a5a5a';
    f.style.borderRadius = '8px';
    f.style.background = '#fff';
    return f;
  }

  function mount() {
    if (target) {
      var host = document.querySelector(target);
      if (!host) return;
      var inline = frame();
      inline.style.width = '100%';
      inline.style.height = '100%';
      inline.style.minHeight = '36rem';
      host.appendChild(inline);
      return;
    }
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = labels.open;
    button.setAttribute('aria-expanded', 'false');
    var s = button.style;
    s.position = 'fixed';
    s.right = '1.5rem';
    s.bottom = '1.5rem';
    s.zIndex = '2147483000';
    s.font = 'bold 18px/1.4 "Microsoft YaHei","PingFang SC",sans-serif';
    s.color = '#fff';
    s.background = '#9e1b1b';
    s.border = '3px solid #fff';
    s.borderRadius = '28px';
    s.padding = '0.7rem 1.3rem';
    s.boxShadow = '0 2px 8px rgba(0,0,0,.4)';
    s.cursor = 'pointer';
    var panel = null;
    function close() {
      if (!panel) return;
      panel.style.display = 'none';
      button.setAttribute('aria-expanded', 'false');
      button.textContent = labels.open;
      button.focus();
    }
    button.addEventListener('click', function () {
      if (panel && panel.style.display !== 'none') return close();
      if (!panel) {
        panel = frame();
        var p = panel.style;
        p.position = 'fixed';
        p.right = '1.5rem';
        p.bottom = '5.5rem';
        p.width = 'min(30rem, calc(100vw - 3rem))';
        p.height = 'min(44rem, calc(100vh - 8rem))';
        p.zIndex = '2147483000';
        p.boxShadow = '0 4px 16px rgba(0,0,0,.35)';
        document.body.appendChild(panel);
      }
      panel.style.display = 'block';
      button.setAttribute('aria-expanded', 'true');
      button.textContent = labels.close;
      panel.focus();
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') close();
    });
    // Escape pressed inside the frame, told by the frame's page (only this server's frame is listened to).
    window.addEventListener('message', function (e) {
      if (panel && e.source === panel.contentWindow && e.origin === base && e.data && e.data.type === 'ekey/escape') close();
    });
    document.body.appendChild(button);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
