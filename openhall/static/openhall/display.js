// The lobby screen: renders the center's picture, keeps it live over Server-Sent Events, and
// keeps showing the last picture (with its time) whenever the server cannot be reached.
(function () {
  "use strict";
  var words = {};
  document.getElementById("words").content.querySelectorAll("[data-k]").forEach(function (el) { words[el.dataset.k] = el.textContent; });
  var show = (document.body.dataset.show || "").split(",");
  document.querySelectorAll("[data-part]").forEach(function (el) {
    if (show.indexOf(el.dataset.part) < 0) el.hidden = true;
  });
  var $ = function (id) { return document.getElementById(id); };
  var chart = null, notices = [], noticeAt = 0, lastAt = null, online = false;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // The center's time zone, not the kiosk's (a PC left on UTC would show 05:45 for 13:45).
  var TZ = document.body.dataset.tz || "Asia/Shanghai";
  var clock = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var calendar = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, month: "long", day: "numeric", weekday: "long" });
  function hhmm(date) { return clock.format(date); }

  function render(data) {
    $("center").textContent = data.center;
    $("status").textContent = words[data.status] || "";
    $("status").className = "center-status status-" + data.status;
    // After closing (or on a closed day) the screen says so once, in the header, and each room
    // shows when it is next used, rather than "closed" on every line.
    var shut = !!data.closed_for_the_day;
    if (shut) $("status").textContent = words.closed_for_the_day;
    var spaces = $("spaces");
    spaces.replaceChildren();
    data.spaces.forEach(function (s) {
      var li = el("li", "space state-" + (shut ? "after-hours" : s.state));
      li.append(el("span", "space-name", (s.zone_of ? s.zone_of + " · " : "") + s.name));
      if (!shut) li.append(el("span", "space-state", words[s.state] + (s.now ? " · " + s.now : "")));
      li.append(el("span", "space-next", s.next ? (shut ? words.next_use : words.next) + " " + (s.next.date ? s.next.date + " " : "") + s.next.start + "–" + s.next.end + " " + s.next.title : words.nothing));
      spaces.append(li);
    });
    var agenda = $("schedule");
    agenda.replaceChildren();
    if (!data.schedule.length) agenda.append(el("li", "empty", words.empty));
    data.schedule.forEach(function (item) {
      var li = el("li", "item kind-" + item.kind);
      li.append(el("span", "when", item.start + "–" + item.end));
      li.append(el("span", "what", item.title));
      li.append(el("span", "where", item.place));
      agenda.append(li);
    });
    var today = $("today");
    today.replaceChildren();
    data.today.forEach(function (f) {
      var li = el("li");
      li.append(el("span", "n", String(f.value)));
      li.append(el("span", "l", f.label));
      today.append(li);
    });
    $("ledger-month").textContent = data.ledger.month.services;
    $("ledger-year").textContent = data.ledger.year.services;
    $("ledger-all").textContent = data.ledger.all.services;
    $("ledger-people").textContent = words.people.replace("{n}", data.ledger.all.people);
    var named = $("service-counters");
    named.replaceChildren();
    (data.service_counters || []).forEach(function (c) {
      var li = el("li");
      li.append(el("span", "n", String(c.services)));
      li.append(el("span", "l", c.name));  // typed by staff: text, never markup
      named.append(li);
    });
    notices = data.notices;
    if (!$("notice").textContent && notices.length) $("notice").textContent = notices[0];
    drawChart(data.chart);
    lastAt = new Date(data.generated_at);
    freshness();
  }

  function drawChart(c) {
    if (!window.echarts || show.indexOf("chart") < 0) return;
    chart = chart || window.echarts.init($("chart"), null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, data: [words.bookings, words.services], textStyle: { color: "#fff", fontSize: 14 } },
      xAxis: { type: "category", data: c.days, axisLabel: { color: "#ddd" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#ddd" }, splitLine: { lineStyle: { color: "rgba(255,255,255,.15)" } } },
      series: [
        { name: words.bookings, type: "bar", data: c.bookings, itemStyle: { color: "#ffd27a" } },
        { name: words.services, type: "line", data: c.services, itemStyle: { color: "#7ee0b5" } }
      ]
    });
  }

  function freshness() {
    var note = $("freshness");
    if (!lastAt) return;
    note.textContent = words.updated + " " + hhmm(lastAt) + (online ? "" : "（" + words.offline + "）");
    note.className = "freshness" + (online ? "" : " is-offline");
  }

  function tick() {
    var now = new Date();
    $("time").textContent = hhmm(now);
    $("date").textContent = calendar.format(now);
    if (notices.length && now - noticeAt > 8000) {
      noticeAt = now;
      var next = notices[(notices.indexOf($("notice").textContent) + 1) % notices.length];
      $("notice").textContent = next;
    }
  }

  // Long schedules scroll by themselves, slowly, and start over.
  function scroll() {
    var box = document.querySelector(".scroller");
    if (!box || box.scrollHeight <= box.clientHeight) return;
    box.scrollTop = box.scrollTop + box.clientHeight >= box.scrollHeight - 1 ? 0 : box.scrollTop + 1;
  }

  function connect() {
    var source = new EventSource(location.pathname + "events");
    source.addEventListener("snapshot", function (e) {
      online = true;
      render(JSON.parse(e.data));
    });
    source.onopen = function () { online = true; freshness(); };
    source.onerror = function () {
      online = false;
      freshness();
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000); // gave up: retry
    };
  }

  // Reload once a day (new code, no slow leaks) — only when the server answers, so a kiosk
  // never trades its last picture for an error page.
  function dailyReload() {
    if (hhmm(new Date()) === "04:00") {
      fetch(location.href, { method: "HEAD", cache: "no-store" }).then(function (r) {
        if (r.ok) location.reload();
      }).catch(function () {});
    }
  }

  render(JSON.parse($("initial").textContent));
  online = true;
  freshness();
  tick();
  setInterval(tick, 1000);
  setInterval(scroll, 60);
  setInterval(dailyReload, 60000);
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
  connect();
})();
