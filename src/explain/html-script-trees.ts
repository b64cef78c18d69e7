/**
 * The first part of the explain page's renderer (src/explain/html-script.ts, which runs
 * it inside the same function): DOM helpers, the figures, plan walks, the change marks
 * between two plans and the collapsible trees.
 *
 * What a rule changed: an operator of the plan after it whose id the plan before it
 * lacks is new; one that only re-wraps rewritten inputs (same operator and label, each
 * input either the same or itself rewritten) is "rebuilt" and marked faintly.
 */
export const PAGE_SCRIPT_TREES = String.raw`  'use strict';
  var app = document.getElementById('app');
  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function button(cls, text, label) {
    var b = h('button', cls, text);
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    return b;
  }

  var data, extra;
  try {
    data = JSON.parse(document.getElementById('tessera-explain').textContent);
    extra = JSON.parse(document.getElementById('tessera-figures').textContent);
  } catch (e) {
    add(app, h('p', 'error', 'The explain data on this page could not be read: ' + String(e)));
    throw e;
  }
  var tables = new Map();
  extra.figures.forEach(function (f) { tables.set(f.kind, new Map(f.values)); });
  /** A figure as the text explain writes it; null stands for a value JSON cannot hold (infinite). */
  function fig(kind, v) {
    if (typeof v !== 'number') return '?';
    var t = tables.get(kind);
    var s = t ? t.get(v) : undefined;
    return s === undefined ? String(v) : s;
  }
  function shape(rows, cols, matrix) {
    return fig('rows', rows) + (matrix ? '\u00d7' + fig('count', cols) : '');
  }
  /** Output columns (or shape); with short, a long column list keeps its first six and last two. */
  function outputText(o, short) {
    if (o.kind === 'relation') {
      var cols = o.columns.map(function (c) { return c.name + ': ' + c.type; });
      if (short && cols.length > 10) return '[' + cols.slice(0, 6).join(', ') + ', …, ' + cols.slice(-2).join(', ') + '] (' + cols.length + ' columns)';
      return '[' + cols.join(', ') + ']';
    }
    return 'matrix ' + (o.rows === null ? '?' : fig('rows', o.rows)) + '\u00d7' + fig('count', o.cols) + ' ' + o.dtype;
  }

  // ---- plan walks --------------------------------------------------------------
  function logicalChildren(n) {
    var out = [];
    if (n.body) out.push({ node: n.body, role: 'body \u00d7' + n.iterations });
    n.inputs.forEach(function (c) { out.push({ node: c, role: '' }); });
    return out;
  }
  function physicalChildren(n) {
    var out = [];
    if (n.body) out.push({ node: n.body, role: 'body' });
    n.inputs.forEach(function (c) { out.push({ node: c, role: '' }); });
    return out;
  }
  /** Depth-first, each node before its children: { node, depth, role }. */
  function preorder(root, childrenOf) {
    var out = [];
    var stack = [{ node: root, depth: 0, role: '' }];
    while (stack.length > 0) {
      var item = stack.pop();
      out.push(item);
      var kids = childrenOf(item.node);
      for (var i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i].node, depth: item.depth + 1, role: kids[i].role });
    }
    return out;
  }
  function distinctNodes(root) {
    var byId = new Map();
    preorder(root, logicalChildren).forEach(function (it) { if (!byId.has(it.node.id)) byId.set(it.node.id, it.node); });
    return byId;
  }

  /** Marks for two plans: before (id -> 'removed' | 'rebuilt') and after (id -> 'added' | 'rebuilt'). */
  function diff(before, after) {
    var b = distinctNodes(before), a = distinctNodes(after);
    var marks = { before: new Map(), after: new Map() };
    var removedByLabel = new Map();
    b.forEach(function (n, id) {
      if (a.has(id)) return;
      var key = n.operator + '\u0000' + n.label;
      if (!removedByLabel.has(key)) removedByLabel.set(key, []);
      removedByLabel.get(key).push(n);
    });
    function sameOrRewritten(x, y) { return x.id === y.id || (!b.has(x.id) && !a.has(y.id)); }
    a.forEach(function (x, id) {
      if (b.has(id)) return;
      var candidates = removedByLabel.get(x.operator + '\u0000' + x.label) || [];
      var k = candidates.findIndex(function (y) {
        if (y.inputs.length !== x.inputs.length || Boolean(y.body) !== Boolean(x.body)) return false;
        if (x.body && !sameOrRewritten(x.body, y.body)) return false;
        return x.inputs.every(function (xi, i) { return sameOrRewritten(xi, y.inputs[i]); });
      });
      if (k < 0) { marks.after.set(id, 'added'); return; }
      marks.after.set(id, 'rebuilt');
      marks.before.set(candidates[k].id, 'rebuilt');
      candidates.splice(k, 1);
    });
    removedByLabel.forEach(function (rest) { rest.forEach(function (y) { marks.before.set(y.id, 'removed'); }); });
    return marks;
  }

  // ---- trees ---------------------------------------------------------------------
  var MARK_TAGS = new Map([['added', ['tag tag-added', '+ new']], ['removed', ['tag tag-removed', '\u2212 removed']], ['rebuilt', ['sr-only', 'rebuilt']]]);

  /** Indentation stops growing here (a deeper level says its depth), so deep plans stay on screen. */
  var MAX_INDENT = 24;

  /**
   * A collapsible tree drawn as one flat list, each operator indented by its depth: plans
   * may be thousands of operators deep, more nesting than a browser lays out.
   * describe(item, row, li) fills a row and returns extra lines under it.
   */
  function treeView(root, childrenOf, describe, name) {
    var list = h('ul', 'tree');
    list.setAttribute('aria-label', name);
    preorder(root, childrenOf).forEach(function (item) {
      var li = h('li', 'node');
      li.setAttribute('data-depth', String(item.depth));
      li.style.setProperty('--level', String(Math.min(item.depth, MAX_INDENT)));
      var row = h('div', 'row');
      if (childrenOf(item.node).length > 0) {
        var t = button('toggle', '\u25be', 'Collapse');
        t.setAttribute('aria-expanded', 'true');
        row.appendChild(t);
      } else row.appendChild(h('span', 'toggle-space'));
      // The toggle keeps its column; label, tags and figures wrap beside it.
      var cells = h('div', 'cells');
      row.appendChild(cells);
      if (item.depth > MAX_INDENT) cells.appendChild(h('span', 'tag', 'depth ' + item.depth));
      var lines = describe(item, cells, li) || [];
      li.appendChild(row);
      lines.forEach(function (l) { li.appendChild(l); });
      list.appendChild(li);
    });
    return list;
  }
  function depthOf(li) { return Number(li.getAttribute('data-depth')); }
  /** Shows or hides the operators below li: hidden under any collapsed operator on their path. */
  function setCollapsed(li, collapsed) {
    var t = li.querySelector(':scope > .row > button.toggle');
    if (!t) return;
    li.classList.toggle('collapsed', collapsed);
    t.setAttribute('aria-expanded', String(!collapsed));
    t.setAttribute('aria-label', collapsed ? 'Expand' : 'Collapse');
    t.textContent = collapsed ? '\u25b8' : '\u25be';
    var depth = depthOf(li);
    var closed = collapsed ? [depth] : [];
    var below = 0;
    for (var x = li.nextElementSibling; x && depthOf(x) > depth; x = x.nextElementSibling) {
      var d = depthOf(x);
      while (closed.length > 0 && closed[closed.length - 1] >= d) closed.pop();
      x.hidden = closed.length > 0;
      if (x.classList.contains('collapsed')) closed.push(d);
      below += 1;
    }
    var cells = t.parentNode.querySelector(':scope > .cells');
    var count = cells.querySelector(':scope > .hidden-count');
    if (count) count.remove();
    if (collapsed) add(cells, h('span', 'hidden-count', '+' + below + ' below'));
  }
  document.addEventListener('click', function (e) {
    var t = e.target instanceof Element ? e.target.closest('button.toggle') : null;
    if (t) setCollapsed(t.closest('li'), t.getAttribute('aria-expanded') === 'true');
  });

  function figure(name, value) {
    var s = h('span', 'fig');
    add(s, name + ' ', h('b', null, value));
    return s;
  }
  function markRow(li, row, mark) {
    if (!mark) return;
    li.classList.add('mark-' + mark);
    var tag = MARK_TAGS.get(mark);
    row.appendChild(h('span', tag[0], tag[1]));
  }
  function logicalDescribe(marks, withActual) {
    return function (item, row, li) {
      var n = item.node;
      li.setAttribute('data-id', String(n.id));
      var label = h('span', 'label');
      if (item.role) add(label, h('span', 'role', item.role + ': '));
      add(label, h('span', 'op', n.label));
      row.appendChild(label);
      row.title = 'output ' + outputText(n.output);
      markRow(li, row, marks ? marks.get(n.id) : undefined);
      if (n.shared) row.appendChild(h('span', 'tag', 'shared'));
      var figs = h('span', 'figs');
      var matrix = n.output.kind === 'matrix';
      // A loop's cost is the whole loop's (Σ), body included, as in the text form.
      var cost = n.operator === 'loop' && typeof n.loopCost === 'number' ? 'Σ ' + fig('count', n.loopCost) : n.estimate ? fig('count', n.estimate.cost) : '?';
      if (n.estimate) add(figs, figure('rows', shape(n.estimate.rows, n.estimate.cols, matrix)), figure('cost', cost));
      if (withActual && n.actual !== undefined) add(figs, figure('actual', n.actual ? shape(n.actual.rows, n.actual.cols, matrix) : 'not run'));
      row.appendChild(figs);
      return [];
    };
  }
  function physicalDescribe(item, row, li) {
    var n = item.node;
    li.setAttribute('data-id', String(n.id));
    var label = h('span', 'label');
    if (item.role) add(label, h('span', 'role', item.role + ': '));
    add(label, h('span', 'op', '#' + n.id + ' ' + n.label));
    row.appendChild(label);
    row.appendChild(h('span', 'tag tag-provider', n.provider + ' \u00b7 ' + n.device + ' \u00b7 ' + n.layout + (n.dtype ? ' ' + n.dtype : '')));
    var figs = h('span', 'figs');
    add(figs, figure('est.', fig('ms', n.estimatedMs)));
    if (n.actual) add(figs, figure('time', fig('ms', n.actual.timeMs)), n.actual.transferMs > 0 ? figure('transfer', fig('ms', n.actual.transferMs)) : null);
    else if (n.actual === null) add(figs, figure('time', 'not run'));
    row.appendChild(figs);
    var lines = [];
    if (n.covers.length > 1) lines.push(h('div', 'detail', 'covers: ' + n.covers.join(', ')));
    if (n.algorithm) lines.push(h('div', 'detail', 'how: ' + n.algorithm));
    if (n.reason) lines.push(h('div', 'detail', 'why: ' + n.reason));
    if (n.sql) lines.push(h('div', 'detail mono', n.engine + ' sql: ' + n.sql));
    if (n.actual) {
      var a = n.actual;
      var ran = [a.ran ? 'ran: ' + a.ran : '', a.compiles > 0 ? 'compiled ' + a.compiles + '\u00d7' : '', a.runs > 1 ? 'runs \u00d7' + a.runs : '', 'output ' + fig('bytes', a.bytes)];
      lines.push(h('div', 'detail', ran.filter(Boolean).join(' \u00b7 ')));
    }
    return lines;
  }
  /** A titled panel holding a tree, with expand-all and collapse-all buttons. */
  function treePanel(title, id, tree) {
    var panel = h('div', 'panel');
    if (id) panel.id = id;
    var head = h('div', 'panel-head');
    var expand = button('small', 'Expand all');
    var collapse = button('small', 'Collapse all');
    function all(collapsed) {
      // Deepest first, so that each operator counts what lies below it once the ones below are set.
      Array.from(tree.children).reverse().forEach(function (li) { setCollapsed(li, collapsed); });
    }
    expand.addEventListener('click', function () { all(false); });
    collapse.addEventListener('click', function () { all(true); });
    add(head, h('h3', null, title), expand, collapse);
    var body = h('div', 'panel-body');
    body.appendChild(tree);
    add(panel, head, body);
    return panel;
  }
  function legend() {
    var l = h('div', 'legend');
    [['tag tag-added', '+ new', 'an operator the rewrite introduced'], ['tag tag-removed', '\u2212 removed', 'an operator it took out'], ['tag tag-rebuilt', 'grey bar', 'the same operator, rebuilt over rewritten inputs']].forEach(function (x) {
      add(l, add(h('span'), h('span', x[0], x[1]), ' ' + x[2]));
    });
    return l;
  }
  function section(id, title) {
    var s = h('section');
    s.id = id;
    var heading = h('h2', null, title);
    heading.id = id + '-title';
    s.setAttribute('aria-labelledby', heading.id);
    s.appendChild(heading);
    return s;
  }

`;
