/* Maintenance page: polls /maintenance/data. The token (if the terminal has one) comes from the URL
 * fragment "#token=…" (never sent to a server or written to its logs) or the form, and is kept in
 * sessionStorage for this tab only. Everything shown is already masked by the server. */
/* global document, window, fetch, sessionStorage, URLSearchParams */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var token = null;
  try { token = sessionStorage.getItem('ykt-maintenance-token'); } catch { /* storage disabled */ }
  var hash = new URLSearchParams(window.location.hash.slice(1));
  if (hash.get('token')) {
    token = hash.get('token');
    try { sessionStorage.setItem('ykt-maintenance-token', token); } catch { /* storage disabled */ }
    window.history.replaceState(null, '', window.location.pathname);
  }
  var timer = null;

  function age(ms) {
    if (ms === null || ms === undefined) return '—';
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 120) return s + ' s';
    var m = Math.round(s / 60);
    if (m < 120) return m + ' min';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function time(ms) {
    if (ms === null || ms === undefined) return '—';
    // China Standard Time, as on receipts
    var d = new Date(ms + 8 * 3600000);
    var p = function (n) { return String(n).padStart(2, '0'); };
    return d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + ' ' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds());
  }
  function yuan(fen) {
    if (fen === null || fen === undefined) return '';
    return '¥' + Math.floor(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
  }
  function state(ok, good, bad) {
    var s = document.createElement('span');
    s.className = ok ? 'good' : 'bad';
    s.textContent = ok ? '✔ ' + good : '✖ ' + bad;
    return s;
  }
  function cell(tr, content, cls) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    if (content && typeof content === 'object') td.appendChild(content); else td.textContent = content === undefined || content === null ? '' : String(content);
    tr.appendChild(td);
  }
  function kv(dl, pairs) {
    dl.textContent = '';
    pairs.forEach(function (p) {
      var dt = document.createElement('dt');
      dt.textContent = p[0];
      var dd = document.createElement('dd');
      if (p[1] && typeof p[1] === 'object') dd.appendChild(p[1]); else dd.textContent = String(p[1]);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
  }
  function rows(table, items, fill) {
    var tb = table.tBodies[0];
    tb.textContent = '';
    items.forEach(function (x) { var tr = document.createElement('tr'); fill(tr, x); tb.appendChild(tr); });
  }
  var UP = { ready: true, 'card-present': true, busy: true };

  function render(d) {
    document.body.dataset.state = 'ok';
    $('content').hidden = false;
    $('auth').hidden = true;
    $('error').hidden = !d.sourceError;
    if (d.sourceError) $('error').textContent = d.sourceError;
    $('summary').textContent = d.terminalId + ' · ' + d.softwareVersion + ' · ' + time(d.nowMs);
    kv($('terminal'), [
      ['终端号 Terminal id', d.terminalId],
      ['软件版本 Software', d.softwareVersion],
      ['业务 Profile', d.profile || '—'],
      ['运行 Up for', d.startedAtMs ? age(d.nowMs - d.startedAtMs) : '—'],
      ['显示 Display', d.display.kind + ' (' + d.display.headline.zh + ' · ' + d.display.headline.en + '), ' + d.display.clients + ' page(s)'],
      ['记录 Journal', d.journal ? state(d.journal.inService, 'in service', 'OUT OF SERVICE' + (d.journal.message ? ': ' + d.journal.message : '')) : '—'],
    ]);
    rows($('devices'), d.devices, function (tr, x) {
      cell(tr, x.name); cell(tr, x.kind); cell(tr, state(UP[x.state], x.state, x.state.toUpperCase())); cell(tr, (x.detail || '') + (x.sinceMs ? ' (since ' + time(x.sinceMs) + ')' : ''));
    });
    rows($('artefacts'), d.artefacts, function (tr, x) {
      cell(tr, x.kind); cell(tr, x.version === null ? '—' : x.version, 'num'); cell(tr, time(x.created)); cell(tr, age(x.ageMs), 'num'); cell(tr, x.maxAgeMs ? age(x.maxAgeMs) : '—', 'num');
      var ok = x.version !== null && !x.stale && !x.problem;
      cell(tr, state(ok, 'current', x.version === null ? 'MISSING' : x.problem ? String(x.problem).toUpperCase() : 'STALE'));
    });
    kv($('sync'), [
      ['未上传 Unsent records', String(d.unsentRecords)],
      ['最早未上传 Oldest unsent', d.oldestUnsentAtMs ? time(d.oldestUnsentAtMs) + ' (' + age(d.nowMs - d.oldestUnsentAtMs) + ' ago)' : '—'],
      ['上次同步 Last sync', d.lastSync ? time(d.lastSync.atMs) + ' (' + age(d.nowMs - d.lastSync.atMs) + ' ago)' : 'never'],
      ['结果 Result', d.lastSync ? state(d.lastSync.ok, 'ok' + (d.lastSync.detail ? ': ' + d.lastSync.detail : ''), 'FAILED' + (d.lastSync.detail ? ': ' + d.lastSync.detail : '')) : '—'],
    ]);
    rows($('recent'), d.recentDecisions, function (tr, x) {
      cell(tr, x.seq, 'num'); cell(tr, time(x.atMs)); cell(tr, x.profile); cell(tr, x.device); cell(tr, x.source);
      cell(tr, state(x.outcome === 'approved', x.outcome, x.outcome)); cell(tr, x.reason); cell(tr, yuan(x.amountFen), 'num'); cell(tr, x.maskedId || ''); cell(tr, x.totalMs === undefined ? '' : x.totalMs, 'num');
    });
    schedule(d.refreshMs);
  }

  function schedule(ms) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(load, ms || 5000);
  }

  function load() {
    var headers = token ? { authorization: 'Bearer ' + token } : {};
    fetch('/maintenance/data', { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) {
        document.body.dataset.state = 'auth';
        $('auth').hidden = false;
        $('content').hidden = true;
        return null;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (d) { if (d) render(d); }, function (e) {
      document.body.dataset.state = 'error';
      $('error').hidden = false;
      $('error').textContent = '无法获取数据 · Cannot load data: ' + e.message;
      schedule(5000);
    });
  }

  $('auth').addEventListener('submit', function (e) {
    e.preventDefault();
    token = $('token').value;
    try { sessionStorage.setItem('ykt-maintenance-token', token); } catch { /* storage disabled */ }
    load();
  });

  load();
})();
