// A small SVG line chart: lines with gaps, an optional band, axes with round ticks.
// No dependencies; used by app.js as LineChart.draw(element, options).
"use strict";

var LineChart = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var L = 52, R = 12, T = 10, B = 30;
  // Round steps of elapsed time, in seconds.
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                    43200, 86400];

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // About `count` round steps over [lo, hi].
  function ticks(lo, hi, count) {
    var span = hi - lo || 1;
    var raw = span / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; })
      .find(function (s) { return s >= raw; });
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
    return out;
  }

  // About `count` steps of round elapsed time over [lo, hi].
  function timeTicks(lo, hi, count) {
    var raw = (hi - lo) / count;
    var step = TIME_STEPS.find(function (s) { return s >= raw; }) || Math.ceil(raw / 86400) * 86400;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
    return out;
  }

  // Elapsed seconds as h:mm (or m:ss under ten minutes).
  function clock(seconds) {
    var s = Math.round(seconds);
    if (Math.abs(s) < 600) return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    var m = Math.floor(s / 60);
    return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0");
  }

  function label(v) {
    var a = Math.abs(v);
    return a >= 100 || v === 0 ? String(Math.round(v)) : a >= 1 ? v.toFixed(1) : v.toPrecision(2);
  }

  function html(name, className, text) {
    var node = document.createElement(name);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // options: {title, unit, width, height, lines: [{name, color, points: [[x, y|null], ...], dash}],
  //           band: [[x, lo, hi], ...] or null, bandColor}
  // The title and legend are HTML above the SVG, so long legends wrap instead of overlapping.
  function draw(target, options) {
    var W = options.width || 640, H = options.height || 200;
    var lines = options.lines || [];
    var xs = [], ys = [];
    var total = 0;
    lines.forEach(function (line) {
      line.points.forEach(function (p) {
        xs.push(p[0]);
        if (p[1] !== null && isFinite(p[1])) ys.push(p[1]);
      });
      total += line.points.length;
    });
    (options.band || []).forEach(function (b) { ys.push(b[1], b[2]); });
    var head = html("div", "chart-head");
    head.appendChild(html("span", "chart-title",
      options.title + (options.unit ? " (" + options.unit + ")" : "")));
    lines.forEach(function (line) {
      var key = html("span", "chart-key", line.name);
      key.style.color = line.color;
      key.style.borderTopStyle = line.dash ? "dashed" : "solid";
      head.appendChild(key);
    });
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "data-points": total });
    target.replaceChildren(head, svg);
    if (!xs.length || !ys.length) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#9ca3af",
        "font-size": 13 }, "暂无数据 No data yet"));
      return;
    }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) x1 = x0 + 1;
    var pad = (y1 - y0) * 0.08 || 1;
    y0 -= pad; y1 += pad;
    var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var sy = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };

    ticks(y0, y1, 5).forEach(function (v) {
      svg.appendChild(el("line", { x1: L, x2: W - R, y1: sy(v), y2: sy(v), stroke: "#e5e7eb" }));
      svg.appendChild(el("text", { x: L - 6, y: sy(v) + 4, "text-anchor": "end", "font-size": 11,
        fill: "#6b7280" }, label(v)));
    });
    timeTicks(x0, x1, W / 110).forEach(function (v) {
      svg.appendChild(el("line", { x1: sx(v), x2: sx(v), y1: H - B, y2: H - B + 4, stroke: "#9ca3af" }));
      svg.appendChild(el("text", { x: sx(v), y: H - B + 16, "text-anchor": "middle", "font-size": 11,
        fill: "#6b7280" }, clock(v)));
    });
    svg.appendChild(el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#9ca3af" }));

    var band = options.band || [];
    if (band.length) {
      var upper = band.map(function (b) { return sx(b[0]) + "," + sy(b[2]); });
      var lower = band.slice().reverse().map(function (b) { return sx(b[0]) + "," + sy(b[1]); });
      svg.appendChild(el("polygon", { points: upper.concat(lower).join(" "),
        fill: options.bandColor || "rgba(37,99,235,0.12)", stroke: "none", class: "band" }));
    }
    lines.forEach(function (line) {
      // One polyline per run of points without a gap.
      var run = [];
      var flush = function () {
        if (run.length) {
          svg.appendChild(el("polyline", { points: run.join(" "), fill: "none", stroke: line.color,
            "stroke-width": 1.6, "stroke-dasharray": line.dash || "none", "data-name": line.name }));
        }
        run = [];
      };
      line.points.forEach(function (p) {
        if (p[1] === null || !isFinite(p[1])) flush();
        else run.push(sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1));
      });
      flush();
    });
  }

  return { draw: draw, clock: clock };
})();
