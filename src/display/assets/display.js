/* Customer display: renders the DisplayView the server streams (/events) and plays its clips.
 * No dependencies. State for tests and kiosks is on <body>:
 *   data-kind, data-tone, data-icon, data-view-seq   what is shown
 *   data-connection   connecting | live | lost
 *   data-last-audio   clip ids of the last sequence started (space-separated)
 *   data-audio-played clip ids of that sequence that played to the end
 *   data-audio-state  idle | playing | ended | blocked (autoplay refused) | error
 */
/* global document, window, EventSource, Audio */
(function () {
  'use strict';
  var body = document.body;
  var $ = function (id) { return document.getElementById(id); };
  var settings = { disconnectedAfterMs: 5000, bootId: null };
  var lastSeq = 0; // newest view rendered from the server
  var lastPlayedSeq = 0; // newest view whose clips were started: a re-sent view is not spoken twice
  var showingLost = false;
  var watchdog = null;

  // ---- rendering -------------------------------------------------------------------------------
  function span(cls, lang, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.lang = lang;
    s.textContent = text;
    return s;
  }

  function render(v, speak) {
    body.className = 'tone-' + v.tone + ' kind-' + v.kind;
    body.dataset.kind = v.kind;
    body.dataset.tone = v.tone;
    body.dataset.icon = v.icon;
    body.dataset.viewSeq = String(v.seq);
    $('icon').firstElementChild.setAttribute('href', '#i-' + v.icon);
    $('headline-zh').textContent = v.headline.zh;
    $('headline-en').textContent = v.headline.en;
    var rows = $('rows');
    rows.textContent = '';
    (v.rows || []).forEach(function (r) {
      var div = document.createElement('div');
      div.className = 'row row-' + r.key;
      div.dataset.row = r.key;
      var dt = document.createElement('dt');
      dt.appendChild(span('zh', 'zh-CN', r.label.zh));
      dt.appendChild(span('en', 'en', r.label.en));
      var dd = document.createElement('dd');
      dd.appendChild(span('zh', 'zh-CN', r.value.zh));
      if (r.value.en !== r.value.zh) dd.appendChild(span('en', 'en', r.value.en));
      div.appendChild(dt);
      div.appendChild(dd);
      rows.appendChild(div);
    });
    var reason = $('reason');
    if (v.reason) {
      $('reason-zh').textContent = v.reason.zh;
      $('reason-en').textContent = v.reason.en;
      reason.hidden = false;
    } else {
      reason.hidden = true;
    }
    if (speak) play(v.audio || [], typeof v.volume === 'number' ? v.volume : 1);
  }

  // ---- audio -----------------------------------------------------------------------------------
  // One <audio> per clip, kept (the set is small); sequences play one clip after the other. A new
  // view interrupts the sequence in progress.
  var clips = {};
  var current = null;
  var playToken = 0;
  var pending = null;

  function clip(id) {
    var a = clips[id];
    if (!a) {
      a = new Audio('/audio/' + encodeURIComponent(id) + '.wav');
      a.preload = 'auto';
      clips[id] = a;
    }
    return a;
  }

  function untilDone(a) {
    return new Promise(function (resolve) {
      function done() {
        a.removeEventListener('ended', done);
        a.removeEventListener('pause', done);
        a.removeEventListener('error', done);
        resolve();
      }
      a.addEventListener('ended', done);
      a.addEventListener('pause', done);
      a.addEventListener('error', done);
    });
  }

  function stopCurrent() {
    if (current) {
      try { current.pause(); current.currentTime = 0; } catch { /* not loaded yet */ }
      current = null;
    }
  }

  function play(ids, volume) {
    var token = ++playToken;
    stopCurrent();
    body.dataset.lastAudio = ids.join(' ');
    body.dataset.audioPlayed = '';
    pending = null;
    if (ids.length === 0) { body.dataset.audioState = 'idle'; return Promise.resolve(); }
    body.dataset.audioState = 'playing';
    var played = [];
    var i = 0;
    function next() {
      if (token !== playToken) return Promise.resolve();
      if (i >= ids.length) { body.dataset.audioState = 'ended'; return Promise.resolve(); }
      var id = ids[i++];
      var a = clip(id);
      a.volume = volume;
      try { a.currentTime = 0; } catch { /* not loaded yet */ }
      current = a;
      var finished = untilDone(a);
      return a.play().then(function () {
        return finished.then(function () {
          if (token !== playToken) return;
          if (a.ended) { played.push(id); body.dataset.audioPlayed = played.join(' '); }
          return next();
        });
      }, function (err) {
        if (token !== playToken) return;
        if (err && err.name === 'NotAllowedError') {
          // Autoplay refused (no kiosk flag, no user gesture yet): offer a button; the first tap
          // unlocks sound for the session and replays this sequence.
          body.dataset.audioState = 'blocked';
          pending = { ids: ids, volume: volume };
          $('sound').hidden = false;
          return;
        }
        body.dataset.audioState = 'error';
        return next();
      });
    }
    return next();
  }

  // Load every clip once at start (≈ 1 MB from the local server) so sequences play without gaps.
  if (window.fetch) {
    window.fetch('/audio/manifest.json').then(function (r) { return r.ok ? r.json() : { clips: {} }; }).then(function (m) {
      Object.keys(m.clips || {}).forEach(clip);
    }, function () { /* clips then load on first use */ });
  }

  $('sound').addEventListener('click', function () {
    $('sound').hidden = true;
    if (pending) play(pending.ids, pending.volume);
  });

  // ---- connection ------------------------------------------------------------------------------
  // Without fresh events (views or pings) for disconnectedAfterMs, the display must not keep showing
  // an old "Approved": it shows out of service until the stream is back.
  function alive() {
    body.dataset.connection = 'live';
    if (watchdog) window.clearTimeout(watchdog);
    watchdog = window.setTimeout(lost, settings.disconnectedAfterMs);
  }

  function lost() {
    body.dataset.connection = 'lost';
    showingLost = true;
    stopCurrent();
    playToken++;
    render({ seq: lastSeq, kind: 'out-of-service', tone: 'off', icon: 'stop', headline: { zh: '暂停服务', en: 'Out of service' }, rows: [], reason: { zh: '显示屏连接中断', en: 'Display disconnected.' }, audio: [], volume: 1 }, false);
  }

  var es = new EventSource('/events');
  es.addEventListener('config', function (e) {
    var c = JSON.parse(e.data);
    if (settings.bootId !== null && c.bootId !== settings.bootId) lastSeq = lastPlayedSeq = 0; // server restarted: seq restarts
    settings = c;
    alive();
  });
  es.addEventListener('view', function (e) {
    alive();
    var v = JSON.parse(e.data);
    if (v.seq <= lastSeq && !showingLost) return; // already shown (sent again on reconnect)
    showingLost = false;
    lastSeq = v.seq;
    var speak = v.seq > lastPlayedSeq;
    if (speak) lastPlayedSeq = v.seq;
    render(v, speak);
  });
  es.addEventListener('ping', alive);
  es.addEventListener('error', function () {
    if (body.dataset.connection !== 'lost') body.dataset.connection = 'connecting';
  });

  window.yktDisplay = { play: play };
})();
