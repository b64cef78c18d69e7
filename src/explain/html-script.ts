import { PAGE_SCRIPT_TREES } from './html-script-trees.js';

/**
 * The explain page's renderer (src/explain/html.ts): plain browser JavaScript that reads
 * the JSON form from `#tessera-explain` and the written-out figures from
 * `#tessera-figures` and builds the page with createElement and textContent only (plan
 * text holds user column names and literals: never parsed as HTML). Names from the plan
 * are never used as object keys (Maps and Sets only). Trees are built from explicit
 * stacks, as plans may be MAX_PLAN_DEPTH operators deep.
 * The DOM helpers and trees it uses are in src/explain/html-script-trees.ts.
 */
const PAGE_SCRIPT_SECTIONS = String.raw`  // ---- sections ------------------------------------------------------------------
  var fired = data.trace.length;
  var sections = [];

  function header() {
    var head = h('header');
    add(head, h('h1', null, 'Tessera explain'), h('p', 'mono', 'Output: ' + outputText(data.output, true)));
    if (data.output.kind === 'relation' && data.output.columns.length > 10) {
      var all = h('details', 'mono');
      add(all, h('summary', null, 'all columns'), h('p', null, outputText(data.output, false)));
      head.appendChild(all);
    }
    var dl = h('dl', 'summary');
    function item(name, value) {
      var d = h('div');
      add(d, h('dt', null, name), h('dd', null, value));
      dl.appendChild(d);
    }
    item('Estimated cost', fig('count', data.cost.before) + ' as built \u2192 ' + fig('count', data.cost.after) + ' optimized' + (extra.costRatio ? ' (' + extra.costRatio + ')' : ''));
    if (data.estimate.before.flops > 0 || data.estimate.after.flops > 0) item('Floating-point work', fig('flops', data.estimate.before.flops) + ' \u2192 ' + fig('flops', data.estimate.after.flops));
    item('Rules fired', data.optimizer.enabled ? String(fired) + ' (' + data.optimizer.passes + ' pass' + (data.optimizer.passes === 1 ? '' : 'es') + ')' : 'optimizer off');
    var providers = new Set(preorder(data.physical.root, physicalChildren).map(function (it) { return it.node.provider + '/' + it.node.device; }));
    item('Physical plan', 'est. ' + fig('ms', data.physical.estimatedMs) + ' on ' + Array.from(providers).join(', '));
    if (data.analyze) {
      item('Ran in', fig('ms', data.analyze.totalMs));
      item('Peak intermediates', fig('bytes', data.analyze.peakBytes));
    }
    head.appendChild(dl);
    var nav = h('nav', 'toc');
    nav.setAttribute('aria-label', 'Sections');
    head.appendChild(nav);
    return { head: head, nav: nav };
  }

  function plansSection() {
    var s = section('plans', 'Plans');
    var changed = data.optimizer.enabled && data.logical.id !== data.optimized.id;
    var marks = changed ? diff(data.logical, data.optimized) : null;
    var optimizedTitle = !data.optimizer.enabled ? 'Optimized (optimizer off: as built)' : changed ? 'Optimized' : 'Optimized (same as built)';
    var pair = h('div', 'pair');
    add(pair,
      treePanel('As built', 'plan-logical', treeView(data.logical, logicalChildren, logicalDescribe(marks && marks.before, false), 'Plan as built')),
      treePanel(optimizedTitle + (data.analyze ? ' \u2014 analyzed' : ''), 'plan-optimized', treeView(data.optimized, logicalChildren, logicalDescribe(marks && marks.after, true), 'Optimized plan')));
    add(s, h('p', 'muted', 'Each operator with its estimated output rows (or matrix shape) and its own estimated cost; hover an operator for its output columns. Inside a loop body, estimates are per iteration.'));
    if (marks) s.appendChild(legend());
    s.appendChild(pair);
    return s;
  }

  function rulesSection() {
    var s = section('rules', 'Rules fired' + (data.optimizer.enabled ? ' (' + fired + ')' : ''));
    if (!data.optimizer.enabled) return add(s, h('p', 'muted', 'None: the optimizer is off.'));
    if (fired === 0) return add(s, h('p', 'muted', 'No rule changed the plan (' + data.optimizer.rulesTried.length + ' rules tried).'));
    add(s, h('p', 'muted', 'In the order they fired. Select a rule (arrow keys move between them) to see the plan before and after it.'));
    var layout = h('div', 'rules-layout');
    var list = h('div', 'rule-list');
    list.setAttribute('role', 'tablist');
    list.setAttribute('aria-orientation', 'vertical');
    list.setAttribute('aria-label', 'Rules in the order they fired');
    var detail = h('div', 'rule-detail');
    detail.id = 'rule-detail';
    detail.setAttribute('role', 'tabpanel');
    detail.tabIndex = 0;
    function costBefore(i) { return i === 0 ? data.cost.before : data.trace[i - 1].costAfter; }
    var tabs = data.trace.map(function (step, i) {
      var b = button('rule');
      b.id = 'rule-tab-' + i;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-controls', 'rule-detail');
      add(b, h('span', 'rule-num', String(i + 1) + '.'), h('span', 'rule-name', step.rule), h('span', 'rule-cost', 'est. cost ' + fig('count', costBefore(i)) + ' \u2192 ' + fig('count', step.costAfter)));
      b.addEventListener('click', function () { select(i, false); });
      b.addEventListener('keydown', function (e) {
        var j = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? fired - 1 : -1;
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
        e.preventDefault();
        select(Math.max(0, Math.min(fired - 1, j)), true);
      });
      list.appendChild(b);
      return b;
    });
    function select(i, focus) {
      tabs.forEach(function (b, k) {
        b.setAttribute('aria-selected', String(k === i));
        b.tabIndex = k === i ? 0 : -1;
      });
      if (focus) tabs[i].focus();
      detail.setAttribute('aria-labelledby', tabs[i].id);
      var step = data.trace[i];
      var before = i === 0 ? data.logical : data.trace[i - 1].plan;
      var parts = [h('h3', null, 'Step ' + (i + 1) + ' of ' + fired + ': ' + step.rule)];
      var ratio = extra.stepRatios[i];
      parts.push(h('p', 'mono', 'est. cost ' + fig('count', costBefore(i)) + ' \u2192 ' + fig('count', step.costAfter) + (ratio ? ' (' + ratio + ')' : '')));
      var counts = new Map();
      step.matched.forEach(function (m) { counts.set(m, (counts.get(m) || 0) + 1); });
      var matched = h('ul', 'matched');
      matched.setAttribute('aria-label', 'Operators the rule rewrote');
      counts.forEach(function (n, m) { matched.appendChild(h('li', null, m + (n > 1 ? ' (\u00d7' + n + ')' : ''))); });
      parts.push(h('p', 'muted', 'Rewrote:'), matched);
      if (!step.plan || !before) {
        parts.push(h('p', 'muted', 'The plan after this rule is not in the explain data.'));
      } else {
        var marks = diff(before, step.plan);
        var pair = h('div', 'pair');
        add(pair,
          treePanel('Before', 'rule-before', treeView(before, logicalChildren, logicalDescribe(marks.before, false), 'Plan before ' + step.rule)),
          treePanel('After', 'rule-after', treeView(step.plan, logicalChildren, logicalDescribe(marks.after, false), 'Plan after ' + step.rule)));
        parts.push(legend(), pair);
      }
      detail.replaceChildren.apply(detail, parts);
    }
    add(layout, list, detail);
    s.appendChild(layout);
    select(0, false);
    return s;
  }

  function bar(value, max, cls) {
    var b = h('div', 'bar');
    b.setAttribute('aria-hidden', 'true');
    var f = h('div', cls ? 'fill ' + cls : 'fill');
    var pct = max > 0 && typeof value === 'number' ? (100 * value) / max : 0;
    f.style.width = (pct > 0 ? Math.max(pct, 0.5) : 0) + '%';
    b.appendChild(f);
    return b;
  }
  function table(headings) {
    var t = h('table');
    var tr = h('tr');
    headings.forEach(function (x) { tr.appendChild(h('th', null, x)); });
    add(t, add(h('thead'), tr));
    var body = h('tbody');
    t.appendChild(body);
    var wrap = h('div', 'table-wrap');
    wrap.appendChild(t);
    return { wrap: wrap, body: body, table: t };
  }
  function cell(cls, children) {
    var td = h('td', cls);
    children.forEach(function (c) { add(td, c); });
    return td;
  }

  function decisionsSection() {
    if (data.decisions.length === 0) return null;
    var s = section('decisions', 'Decisions');
    add(s, h('p', 'muted', 'Choices between whole-plan alternatives, with the estimated cost of each.'));
    data.decisions.forEach(function (d, i) {
      var box = h('div', 'decision');
      add(box, h('h3', null, (i + 1) + '. ' + d.pass + ': ' + d.chosen), h('p', 'mono muted', 'at ' + d.site));
      var max = 0;
      d.alternatives.forEach(function (a) { if (typeof a.cost === 'number' && a.cost > max) max = a.cost; });
      var t = table(['Alternative', 'Est. cost', '']);
      t.table.setAttribute('aria-label', 'Alternatives for ' + d.pass);
      d.alternatives.forEach(function (a) {
        var tr = h('tr', a.name === d.chosen ? 'chosen' : null);
        var name = cell('mono', [a.name]);
        if (a.name === d.chosen) add(name, ' ', h('span', 'tag tag-provider', 'chosen'));
        var valid = typeof a.cost === 'number';
        add(tr, name, cell('num', [valid ? fig('count', a.cost) : 'not a valid plan here']), cell('bars', [valid ? bar(a.cost, max, a.name === d.chosen ? '' : 'est') : '']));
        t.body.appendChild(tr);
      });
      box.appendChild(t.wrap);
      if (d.why.length > 0) {
        var why = h('ul', 'matched');
        d.why.forEach(function (w) { why.appendChild(h('li', null, w)); });
        box.appendChild(why);
      }
      if (!d.rewrote) box.appendChild(h('p', 'muted', 'The plan was kept as it was here.'));
      s.appendChild(box);
    });
    return s;
  }

  function physicalSection() {
    var p = data.physical;
    var s = section('physical', 'Physical plan');
    add(s, h('p', 'muted', 'How the optimized plan runs: each operator with its provider, device, layout and dtype, the algorithm and why the planner chose it.'));
    if (p.request.provider !== 'auto' || p.request.device !== 'auto') s.appendChild(h('p', 'mono', 'requested: provider ' + p.request.provider + ', device ' + p.request.device));
    p.notices.forEach(function (n) { s.appendChild(h('p', 'mono', 'note: ' + n)); });
    s.appendChild(treePanel('Physical operators (est. ' + fig('ms', p.estimatedMs) + ')', 'plan-physical', treeView(p.root, physicalChildren, physicalDescribe, 'Physical plan')));
    return s;
  }

  function measuredSection() {
    if (!data.analyze) return null;
    var s = section('measured', 'Measured');
    add(s, h('p', 'muted', 'What each operator of the optimized plan did in the run: rows (grey: estimated, blue: actual), its own time (\u03a3: a loop, body included) and the bytes of its output. Bars are relative to the largest in each column.'));
    var items = preorder(data.optimized, logicalChildren);
    var maxRows = 0, maxTime = 0, maxBytes = 0;
    items.forEach(function (it) {
      var n = it.node;
      if (n.estimate && typeof n.estimate.rows === 'number') maxRows = Math.max(maxRows, n.estimate.rows);
      if (n.actual) {
        maxRows = Math.max(maxRows, n.actual.rows);
        maxTime = Math.max(maxTime, n.actual.timeMs);
        maxBytes = Math.max(maxBytes, n.actual.bytes);
      }
    });
    var t = table(['Operator', 'Rows: est. / actual', '', 'Time', '', 'Bytes', '']);
    t.table.className = 'measure';
    items.forEach(function (it) {
      var n = it.node, a = n.actual;
      var matrix = n.output.kind === 'matrix';
      var tr = h('tr');
      var op = cell('op', [(it.role ? it.role + ': ' : '') + n.label]);
      op.style.paddingLeft = (0.5 + Math.min(it.depth, 40) * 0.9) + 'em';
      var est = n.estimate ? shape(n.estimate.rows, n.estimate.cols, matrix) : '?';
      var rowsText = est + ' / ' + (a ? shape(a.rows, a.cols, matrix) : 'not run');
      var sigma = n.operator === 'loop' ? '\u03a3 ' : '';
      add(tr, op,
        cell('num', [rowsText]),
        cell('bars', [bar(n.estimate ? n.estimate.rows : 0, maxRows, 'est'), bar(a ? a.rows : 0, maxRows, '')]),
        cell('num', [a ? sigma + fig('ms', a.timeMs) + (a.runs > 1 ? ' \u00d7' + a.runs : '') : '']),
        cell('bars', [a ? bar(a.timeMs, maxTime, '') : '']),
        cell('num', [a ? fig('bytes', a.bytes) : '']),
        cell('bars', [a ? bar(a.bytes, maxBytes, '') : '']));
      t.body.appendChild(tr);
    });
    s.appendChild(t.wrap);
    return s;
  }

  try {
    var top = header();
    sections = [plansSection(), rulesSection(), decisionsSection(), physicalSection(), measuredSection()].filter(Boolean);
    sections.forEach(function (s) {
      var a = h('a', null, s.querySelector('h2').textContent);
      a.href = '#' + s.id;
      top.nav.appendChild(a);
    });
    add(app, top.head);
    sections.forEach(function (s) { app.appendChild(s); });
    document.title = 'Tessera explain \u2014 ' + data.optimized.label;
  } catch (e) {
    add(app, h('p', 'error', 'The page could not be drawn: ' + String(e)));
    throw e;
  }
`;

export const PAGE_SCRIPT = `(function () {\n${PAGE_SCRIPT_TREES}${PAGE_SCRIPT_SECTIONS}})();\n`;
