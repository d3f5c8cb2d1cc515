/*
 * The reader's display choices, 大字版 (large text) and high contrast, kept in localStorage so that they
 * survive a reload and a new visit. Runs in <head> before the body is drawn: the classes go on <html>.
 * app.js owns the switches and tells Web Chat; this file only applies what was chosen.
 */
(function () {
  'use strict';
  var KEY = 'ekey.display';
  var saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(KEY) || '{}') || {};
  } catch (e) {
    /* Storage off or unreadable: the page opens in its ordinary look. */
  }
  var root = document.documentElement;
  root.classList.toggle('large', saved.large === true);
  root.classList.toggle('contrast', saved.contrast === true);
})();
