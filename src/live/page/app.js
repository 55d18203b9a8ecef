// The live view: folds the server's updates (server-sent events) into one state and draws it.
"use strict";

(function () {
  var token = new URLSearchParams(location.search).get("token");
  var withToken = function (path) {
    return token ? path + (path.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(token) : path;
  };
  var state = { run: null, items: [], byId: {}, series: {}, touched: 0, status: null,
                wireFaults: 0, charts: [] };
  var STATES = {
    "pending": "待测 pending", "running": "进行中 running", "pass": "通过 pass",
    "no pass": "不通过 no pass", "NA": "不适用 NA", "not tested": "未测 not tested",
    "error": "错误 error"
  };
  var RUN_STATES = { running: "运行中 running", stopped: "已停止 stopped", finished: "已完成 finished" };
  var COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563",
                "#db2777", "#65a30d", "#7c3aed", "#0d9488", "#b45309"];
  var $ = function (id) { return document.getElementById(id); };
  var cls = function (s) { return "s-" + String(s).replace(/ /g, "-"); };

  function apply(update) {
    if (update.full) {
      state.items = []; state.byId = {}; state.series = {};
    }
    if (update.run) state.run = update.run;
    (update.items || []).forEach(function (item) {
      if (!state.byId[item.id]) state.items.push(item);
      else state.items[state.items.indexOf(state.byId[item.id])] = item;
      state.byId[item.id] = item;
    });
    (update.series || []).forEach(function (s) {
      var known = state.series[s.key];
      if (!known || s.reset) {
        state.series[s.key] = { key: s.key, item: s.item, sample: s.sample, kind: s.kind,
                                columns: s.columns, points: s.points.slice() };
      } else {
        Array.prototype.push.apply(known.points, s.points);
      }
      state.series[s.key].touched = ++state.touched;
    });
    if (update.status) state.status = update.status;
    if (update.wire_faults !== undefined && update.wire_faults !== null) state.wireFaults = update.wire_faults;
    if (update.charts) state.charts = update.charts;
    schedule();
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  }

  function hms(seconds) {
    var s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 3600) + ":" + String(Math.floor(s / 60) % 60).padStart(2, "0") + ":" +
      String(s % 60).padStart(2, "0");
  }

  function text(node, value) { node.textContent = value; }

  function renderHeader() {
    var run = state.run;
    if (run) {
      text($("run-line"), [run.standard, run.units.join(" · "), "工位 station " + run.station]
        .filter(Boolean).join(" — "));
      var badge = $("run-state");
      text(badge, (RUN_STATES[run.state] || run.state) + (run.verdict ? " · " + (STATES[run.verdict] || run.verdict) : ""));
      badge.className = "badge " + (run.state === "running" ? "" : run.verdict === "pass" ? "good" : "warn");
    }
    var status = state.status;
    text($("clock-kind"), status ? (status.simulated_clock ? "模拟时钟 simulated clock" : "实时时钟 real clock") : "");
    var faults = $("wire-faults");
    faults.querySelector("b").textContent = state.wireFaults;
    faults.className = "badge " + (state.wireFaults ? "warn" : "");
  }

  function renderNow() {
    var status = state.status || {};
    var id = status.item || (status.step && status.step.item) ||
      (state.items.find(function (i) { return i.state === "running"; }) || {}).id;
    var item = id && state.byId[id];
    text($("now-item"), item ? item.id + "  " + item.name_zh + " · " + item.name_en : "无 None");
    $("now-item").className = item ? "" : "muted";
    var step = status.step;
    text($("now-step"), step ? "步骤 Step: " + step.text : "");
    var bar = $("now-progress");
    if (step && step.planned_s) {
      bar.classList.remove("hidden");
      bar.firstElementChild.style.width = Math.min(100, 100 * step.elapsed_s / step.planned_s) + "%";
      text($("now-times"), "已用 elapsed " + hms(step.elapsed_s) + " / " + hms(step.planned_s) +
        " · 剩余 remaining " + hms(step.remaining_s));
    } else {
      bar.classList.add("hidden");
      text($("now-times"), step ? "已用 elapsed " + hms(step.elapsed_s) : "");
    }
    var prompt = status.prompt;
    $("prompt").classList.toggle("hidden", !prompt);
    if (prompt) {
      var box = $("prompt-text");
      box.replaceChildren();
      var head = document.createElement("div");
      head.textContent = prompt.item + " · 样品 sample " + prompt.sample;
      box.appendChild(head);
      prompt.lines.forEach(function (line) {
        var p = document.createElement("div");
        p.textContent = "• " + line;
        box.appendChild(p);
      });
    }
  }

  function renderItems() {
    var body = $("items").tBodies[0];
    var rows = {};
    Array.prototype.forEach.call(body.rows, function (row) { rows[row.dataset.item] = row; });
    var counts = {};
    state.items.forEach(function (item) {
      counts[item.state] = (counts[item.state] || 0) + 1;
      var row = rows[item.id];
      if (!row) {
        row = body.insertRow();
        row.dataset.item = item.id;
        for (var i = 0; i < 4; i++) row.insertCell();
        row.cells[2].className = "state";
      }
      row.className = item.state === "running" ? "running" : "";
      text(row.cells[0], item.id);
      text(row.cells[1], item.name_zh + " · " + item.name_en);
      var label = STATES[item.state] || item.state;
      if (item.state === "running" && item.attempt > 1) label += " #" + item.attempt;
      text(row.cells[2], label);
      row.cells[2].className = "state " + cls(item.state);
      row.cells[2].title = item.reason || "";
      var samples = row.cells[3];
      samples.replaceChildren();
      Object.keys(item.verdicts).forEach(function (n) {
        var span = document.createElement("span");
        span.className = "sample " + cls(item.verdicts[n]);
        span.textContent = "#" + n + " " + (STATES[item.verdicts[n]] || item.verdicts[n]);
        samples.appendChild(span);
      });
    });
    text($("item-counts"), Object.keys(counts).map(function (k) {
      return (STATES[k] || k) + " " + counts[k];
    }).join(" · "));
  }

  // The series of `kind` to show: the running item's, else the one updated last.
  function latest(kind, sample) {
    var running = state.status && state.status.item;
    var best = null;
    Object.keys(state.series).forEach(function (key) {
      var s = state.series[key];
      if (s.kind !== kind || (sample !== undefined && s.sample !== sample)) return;
      var score = (s.item === running ? 1e12 : 0) + s.touched;
      if (!best || score > best.score) best = { s: s, score: score };
    });
    return best && best.s;
  }

  function column(series, name) {
    var i = series.columns.indexOf(name);
    return series.points.map(function (p) { return [p[0], i < 0 ? null : p[1][i]]; });
  }

  function renderChamber() {
    var s = latest("chamber");
    text($("chamber-item"), s ? s.item : "");
    if (!s) {
      LineChart.draw($("chamber-chart"), { title: "温度 Temperature", unit: "°C", lines: [] });
      return;
    }
    var tolerance = (state.byId[s.item] || {}).tolerance_k;
    var sp = column(s, "temp_sp");
    var band = tolerance ? sp.filter(function (p) { return p[1] !== null; })
      .map(function (p) { return [p[0], p[1] - tolerance, p[1] + tolerance]; }) : [];
    LineChart.draw($("chamber-chart"), {
      title: "温度 Temperature" + (tolerance ? " ±" + tolerance + " K" : ""), unit: "°C", band: band,
      lines: [{ name: "SP 设定", color: "#6b7280", dash: "5 4", points: sp },
              { name: "PV 实测", color: "#dc2626", points: column(s, "temp_pv") }]
    });
    var rh = column(s, "rh_pv");
    var hasRh = rh.some(function (p) { return p[1] !== null; });
    $("humidity-chart").classList.toggle("hidden", !hasRh);
    if (hasRh) {
      LineChart.draw($("humidity-chart"), { title: "湿度 Humidity", unit: "%RH", lines: [
        { name: "SP 设定", color: "#6b7280", dash: "5 4", points: column(s, "rh_sp") },
        { name: "PV 实测", color: "#2563eb", points: rh }] });
    }
  }

  function renderThermal() {
    var s = latest("thermal");
    text($("thermal-item"), s ? s.item : "");
    LineChart.draw($("thermal-chart"), { title: "温度 Temperature", unit: "°C",
      lines: s ? s.columns.map(function (name, i) {
        return { name: name, color: COLORS[i % COLORS.length], points: column(s, name) };
      }) : [] });
  }

  // One chart per measure (fps, drops, luma) with a line per unit: the stream of the camera
  // series updated last, on every unit that has it for the same item.
  function renderCameras() {
    var last = latest("camera");
    $("cameras-none").classList.toggle("hidden", !!last);
    $("cameras").classList.toggle("hidden", !last);
    if (!last) return;
    var stream = last.key.split("/").pop();
    var shown = Object.keys(state.series).map(function (key) { return state.series[key]; })
      .filter(function (s) { return s.kind === "camera" && s.item === last.item && s.key.split("/").pop() === stream; })
      .sort(function (a, b) { return (a.sample || 1) - (b.sample || 1); });
    text($("camera-item"), last.item + " · " + stream);
    var lines = function (name) {
      return shown.map(function (s, i) {
        return { name: "#" + (s.sample || 1) + " " + ((state.run && state.run.units[(s.sample || 1) - 1]) || "").split(" SN ").pop(),
                 color: COLORS[i % COLORS.length], points: column(s, name) };
      });
    };
    var charts = $("cameras").children;
    LineChart.draw(charts[0], { title: "帧率 Frame rate", unit: "fps", height: 170, lines: lines("fps") });
    LineChart.draw(charts[1], { title: "丢帧 Drops", unit: "/s", height: 150, lines: lines("drops") });
    LineChart.draw(charts[2], { title: "亮度 Luma", unit: "mean", height: 150, lines: lines("luma_mean") });
  }

  var shownCharts = "";
  function renderGallery() {
    var key = state.charts.join("\n");
    if (key === shownCharts) return;
    shownCharts = key;
    var box = $("charts");
    box.replaceChildren();
    box.className = "gallery" + (state.charts.length ? "" : " muted");
    if (!state.charts.length) { box.textContent = "无 None yet"; return; }
    state.charts.forEach(function (path) {
      var figure = document.createElement("figure");
      var link = document.createElement("a");
      link.href = withToken("charts/" + path.split("/").map(encodeURIComponent).join("/"));
      link.target = "_blank";
      var img = document.createElement("img");
      img.src = link.href;
      img.alt = path;
      link.appendChild(img);
      var caption = document.createElement("figcaption");
      caption.textContent = path;
      figure.appendChild(link);
      figure.appendChild(caption);
      box.appendChild(figure);
    });
  }

  function render() {
    renderHeader();
    renderNow();
    renderItems();
    renderChamber();
    renderThermal();
    renderCameras();
    renderGallery();
  }

  function connect() {
    var source = new EventSource(withToken("events"));
    var badge = $("connection");
    source.addEventListener("update", function (event) {
      apply(JSON.parse(event.data));
      badge.textContent = "已连接 Live";
      badge.className = "badge good";
    });
    source.onerror = function () {
      badge.textContent = "连接中断，重连中 Reconnecting";
      badge.className = "badge bad";
    };
  }

  render();
  connect();
})();
